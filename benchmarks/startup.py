"""Start-up cost of looking up one code, as a ratio to `python -c "import click"` in the same venv.

Target (issue 2): `smtpcodes explain 5.7.26 --format json` and `--format plain` at most 1.3 times
the median of `python -c "import click"`. Run: python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _median_ms(cmd: list[str], runs: int) -> float:
    env = {**os.environ, "NO_COLOR": "1"}
    subprocess.run(cmd, check=True, capture_output=True, env=env)  # warm the page cache
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _script() -> str:
    here = Path(sys.executable).parent / "smtpcodes"
    found = str(here) if here.exists() else shutil.which("smtpcodes")
    if not found:
        sys.exit("smtpcodes is not installed in this environment")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    exe = _script()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"cpu: {_cpu_name()}")
    baseline = _median_ms([sys.executable, "-c", "import click"], args.runs)
    label = 'python -c "import click"'
    print(f"{label:<45} {baseline:7.1f} ms  (baseline)")
    worst = 0.0
    for label, cmd in (
        ("smtpcodes explain 5.7.26 --format json", [exe, "explain", "5.7.26", "--format", "json"]),
        (
            "smtpcodes explain 5.7.26 --format plain",
            [exe, "explain", "5.7.26", "--format", "plain"],
        ),
        (
            "smtpcodes explain '550 5.1.1 User unknown' --json",
            [exe, "explain", "550 5.1.1 User unknown", "--json"],
        ),
        ("smtpcodes list --format plain", [exe, "list", "--format", "plain"]),
    ):
        ms = _median_ms(cmd, args.runs)
        ratio = ms / baseline
        if "5.7.26" in label:
            worst = max(worst, ratio)
        print(f"{label:<45} {ms:7.1f} ms  ratio {ratio:.2f}")
    verdict = "meets" if worst <= 1.3 else "MISSES"
    print(f"explain 5.7.26 worst ratio {worst:.2f}: {verdict} the 1.3 target")
    return 0


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
