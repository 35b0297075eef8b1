"""Time one smtpcodes command on two checkouts, alternating, and print the ratio.

    python benchmarks/compare.py OLD_DIR NEW_DIR [--runs N] -- scan /tmp/mail.log --summary --json

These shared machines change speed by 20-30 % over a day, so a figure from this morning cannot be
set against one from this afternoon; runs that alternate between the two trees in one sitting can.
OLD_DIR is typically a worktree of an earlier commit (git worktree add /tmp/old <commit>). Each run
is `python -m smtpcodes ARGS` started in that tree with it first on sys.path (an editable install
of the other tree is not used), its output sent to /dev/null; the best and the median wall times
of each are printed, and whether the two trees wrote the same output.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time


def _run(tree: str, args: list[str], cache: str) -> tuple[float, str]:
    env = dict(os.environ, PYTHONPATH=tree, PYTHONPYCACHEPREFIX=cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # compiled once, as an installed package is
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "smtpcodes", *args], cwd=tree, env=env, capture_output=True
    )
    took = time.perf_counter() - start
    return took, hashlib.sha256(done.stdout).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        usage="%(prog)s OLD_DIR NEW_DIR [--runs N] -- SMTPCODES_ARGS...",
    )
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--runs", type=int, default=5)
    given = sys.argv[1:] if argv is None else argv
    if "--" not in given or given.index("--") == len(given) - 1:
        parser.error("give the smtpcodes arguments after --")
    cut = given.index("--")
    ns = parser.parse_args(given[:cut])
    args = given[cut + 1 :]
    trees = {"old": os.path.abspath(ns.old), "new": os.path.abspath(ns.new)}
    times: dict[str, list[float]] = {"old": [], "new": []}
    outputs: dict[str, set[str]] = {"old": set(), "new": set()}
    with tempfile.TemporaryDirectory(prefix="smtpcodes-compare-") as cache:
        for name, tree in trees.items():
            _run(tree, args, os.path.join(cache, name))  # writes the bytecode, unmeasured
        for _ in range(ns.runs):
            for name, tree in trees.items():
                took, digest = _run(tree, args, os.path.join(cache, name))
                times[name].append(took)
                outputs[name].add(digest)
    print(f"smtpcodes {' '.join(args)}  ({ns.runs} runs each, alternating)")
    for name in ("old", "new"):
        t = times[name]
        print(f"  {name}: best {min(t):.2f} s, median {statistics.median(t):.2f} s  {trees[name]}")
    ratio = min(times["new"]) / min(times["old"])
    print(f"  new/old (best): {ratio:.2f}")
    same = outputs["old"] == outputs["new"] and len(outputs["new"]) == 1
    print(f"  output: {'the same' if same else 'DIFFERENT'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
