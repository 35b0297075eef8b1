"""Read the data files that ship with the package (data/ in the repo, smtpcodes/data/ in the wheel)."""

from __future__ import annotations

import csv
import io
import json
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the start-up of `explain 5.7.26` reads this module: nothing more to import
    from collections.abc import Callable, Sequence

_HERE = os.path.dirname(os.path.abspath(__file__))
# Installed wheels carry the files in smtpcodes/data (hatchling force-include); a source checkout
# keeps them in the top-level data/. Plain file reads: importlib.resources costs ~20 ms at start-up.
_DIRS = (os.path.join(_HERE, "data"), os.path.join(os.path.dirname(_HERE), "data"))


def data_path(name: str) -> str:
    """The path of a shipped data file; FileNotFoundError names every place looked in."""
    for folder in _DIRS:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f"smtpcodes data file {name!r} not found in {' or '.join(_DIRS)}")


def read_text(name: str) -> str:
    with open(data_path(name), encoding="utf-8") as f:
        return f.read()


def read_csv(name: str) -> list[dict[str, str]]:
    """Rows of a CSV data file as dicts keyed by its header (IANA layout keeps its own headers)."""
    return list(csv.DictReader(io.StringIO(read_text(name), newline="")))


def read_jsonl(name: str) -> list[dict[str, Any]]:
    """Objects of a JSON Lines data file; blank lines are skipped."""
    return [json.loads(line) for line in read_text(name).splitlines() if line.strip()]


def write_generated(argv: Sequence[str], module: str, target: str, build: Callable[[], str]) -> int:
    """The main() of a module that writes a generated data file: python -m `module` data/`target`,
    whose text `build` gives."""
    if len(argv) != 1:
        import sys

        sys.stderr.write(f"usage: python -m {module} data/{target}\n")
        return 2
    with open(argv[0], "w", encoding="utf-8", newline="\n") as f:
        f.write(build())
    return 0
