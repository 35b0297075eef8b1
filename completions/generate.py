"""Regenerate the shell completion scripts with Click's own mechanism: python completions/generate.py"""

from __future__ import annotations

import sys
from pathlib import Path

from click.shell_completion import get_completion_class

from smtpcodes.cli import cli

HERE = Path(__file__).resolve().parent
FILES = {"bash": "smtpcodes.bash", "zsh": "_smtpcodes", "fish": "smtpcodes.fish"}


def script(shell: str) -> str:
    cls = get_completion_class(shell)
    if cls is None:
        raise ValueError(f"Click has no completion for {shell}")
    return cls(cli, {}, "smtpcodes", "_SMTPCODES_COMPLETE").source()


def main() -> int:
    for shell, name in FILES.items():
        (HERE / name).write_text(script(shell), encoding="utf-8")
        sys.stderr.write(f"wrote completions/{name}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
