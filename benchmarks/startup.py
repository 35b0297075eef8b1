"""Start-up cost of looking up one code, as a ratio to `python -c "import click"` in the same venv.

Target (issue 2): `smtpcodes explain 5.7.26 --format json` and `--format plain` at most 1.3 times
the median of `python -c "import click"`. Run: python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

from big_inputs import script  # the installed console script, found as big_inputs finds it


def _run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system, from the child's rusage) of one run, in ms."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def measure(cmds: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU ms per command. Runs are interleaved, so a busy machine slows every
    command alike and the ratios stay meaningful."""
    env = {**os.environ, "NO_COLOR": "1"}
    # An installed package starts from compiled bytecode; with PYTHONDONTWRITEBYTECODE set (as on
    # these machines) an edited module would be recompiled on every run and measured as start-up.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for cmd in cmds.values():
        subprocess.run(cmd, check=True, capture_output=True, env=env)  # warm caches, write .pyc
    walls: dict[str, list[float]] = {k: [] for k in cmds}
    cpus: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(runs):
        for label, cmd in cmds.items():
            wall, cpu = _run_once(cmd, env)
            walls[label].append(wall)
            cpus[label].append(cpu)
    return {k: (statistics.median(walls[k]), statistics.median(cpus[k])) for k in cmds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    exe = script()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"cpu: {_cpu_name()}; load average {os.getloadavg()[0]:.2f}")
    baseline = 'python -c "import click"'
    cmds = {
        baseline: [sys.executable, "-c", "import click"],
        "explain 5.7.26 --format json": [exe, "explain", "5.7.26", "--format", "json"],
        "explain 5.7.26 --format plain": [exe, "explain", "5.7.26", "--format", "plain"],
        "explain '550 5.1.1 User unknown' --json": [
            exe,
            "explain",
            "550 5.1.1 User unknown",
            "--json",
        ],
        "list --format plain": [exe, "list", "--format", "plain"],
        "--version": [exe, "--version"],
    }
    results = measure(cmds, args.runs)
    base_wall, base_cpu = results[baseline]
    print(f"{'command':<45} {'wall ms':>8} {'ratio':>6} {'cpu ms':>8} {'ratio':>6}")
    worst = 0.0
    for label, (wall, cpu) in results.items():
        print(f"{label:<45} {wall:8.1f} {wall / base_wall:6.2f} {cpu:8.1f} {cpu / base_cpu:6.2f}")
        if label.startswith("explain 5.7.26"):
            worst = max(worst, wall / base_wall)
    verdict = "meets" if worst <= 1.3 else "MISSES"
    print(f"explain 5.7.26: worst wall-time ratio {worst:.2f}, {verdict} the 1.3 target")
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
