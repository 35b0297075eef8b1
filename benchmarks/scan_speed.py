"""Throughput and peak memory of `smtpcodes scan`, with the machine it ran on.

    python benchmarks/scan_speed.py [--lines N] [--mta postfix|exim|sendmail|exchange|mixed]
                                    [--rss-size MB] [--jsonl] [--corpus DIR] [--skip-rss]

1. Log lines per second on a generated log (one line in ten a failure or deferral): the library
   (scan + summary, in process) and the command (`smtpcodes scan FILE --summary --json`, a child
   process, start-up included); with --jsonl also `--format jsonl` (one JSON object per failure)
   and `--format plain` (one line per failure).
   Target: 100,000 lines/s.
2. Bounce messages per second on ../shared/corpus/set-of-emails (skipped when absent), in process.
   Target: 1,200 msg/s (twice Sisimai's ~600 msg/s on these machines).
3. Peak RSS (ru_maxrss of the child) of `smtpcodes scan BIG --summary --json` on a generated log of
   --rss-size MB (default 100). Target: under 80 MB on a 1 GB log.
4. With --breakdown, where a log line's time goes: microseconds per noise line and, per failure
   line, reading it (parse_log_line), diagnosing it (a first sight and a repeat) and counting it
   in the summary, and the lines per second those costs allow.

Children run as an installed package does, from compiled bytecode: PYTHONDONTWRITEBYTECODE is
dropped and the bytecode goes to a temporary PYTHONPYCACHEPREFIX, written by a first, unmeasured
run. Without it every start compiles the package (and, here, parts of the standard library).
"""

from __future__ import annotations

import argparse
import atexit
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
# The checkout's package unless PYTHONPATH names another; gen_logs.py from this folder.
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from gen_logs import write_log  # noqa: E402

from smtpcodes.parse import Reply  # noqa: E402
from smtpcodes.scan import ScanRecord, Summary, scan  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "set-of-emails"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    return (
        f"CPU: {cpu_model()}, {os.cpu_count()} logical CPUs; "
        f"Python {platform.python_version()} ({platform.python_implementation()}); "
        f"{platform.system()} {platform.release()}"
    )


def library_rate(paths: list[str]) -> tuple[Summary, float]:
    summary = Summary()
    start = time.perf_counter()
    for _ in scan(paths, summary=summary):
        pass
    return summary, time.perf_counter() - start


def repeated(paths: list[str], repeat: int) -> tuple[Summary, float, float, float]:
    """The summary, the first (cold: data files loaded) time, the best and the median time."""
    times = []
    summary = Summary()
    for _ in range(max(1, repeat)):
        summary, seconds = library_rate(paths)
        times.append(seconds)
    warm = sorted(times[1:] or times)
    return summary, times[0], warm[0], warm[len(warm) // 2]


PYCACHE = tempfile.mkdtemp(prefix="smtpcodes-bench-pycache-")
atexit.register(shutil.rmtree, PYCACHE, ignore_errors=True)


def child(args: list[str], stdout: int | None = subprocess.DEVNULL) -> tuple[int, float, float]:
    """Run `python -m smtpcodes ARGS`: (exit status, seconds, peak RSS in MB)."""
    pythonpath = os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), str(ROOT)) if p)
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": pythonpath, "PYTHONPYCACHEPREFIX": PYCACHE}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "smtpcodes", *args], stdout=stdout, stderr=errors, env=env
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            errors.seek(0)
            tail = errors.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            sys.stderr.write("".join(f"  stderr: {line}\n" for line in tail))
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return proc.returncode, seconds, rss


def per_call(
    function: Callable[[Any], object],
    items: list[Any],
    repeat: int = 3,
    reset: Callable[[], object] | None = None,
) -> float:
    """Microseconds per item, best of `repeat` passes (CPU time: other processes count less);
    `reset` runs before each pass (to empty caches, so each pass sees what a scan sees)."""
    best = float("inf")
    for _ in range(repeat):
        if reset is not None:
            reset()
        start = time.process_time()
        for item in items:
            function(item)
        best = min(best, time.process_time() - start)
    return 1e6 * best / max(len(items), 1)


def breakdown(log: str, out: TextIO) -> None:
    """Where a log line's time goes, stage by stage, and the lines/s those costs allow."""
    from smtpcodes import diagnose, kb, parse

    with open(log, encoding="utf-8") as f:
        lines = f.read().splitlines()
    replies = [parse.parse_log_line(line) for line in lines]
    failing = [
        (line, reply)
        for line, reply in zip(lines, replies, strict=True)
        if reply is not None and reply.log_status not in ("sent", "=>", "->", "*>")
    ]
    noise = [line for line, reply in zip(lines, replies, strict=True) if reply is None][:100_000]
    fail_lines = [line for line, _ in failing]
    fail_replies = [reply for _, reply in failing]
    records = []
    for reply in fail_replies:
        verdict = diagnose.diagnose_reply(reply)
        if verdict is not None:
            records.append(ScanRecord(verdict, "failed", log, 1))

    def empty_caches() -> None:
        parse._analysed.cache_clear()
        kb._matches.cache_clear()
        diagnose._VERDICTS.clear()

    def uncached(reply: Reply) -> object:
        return diagnose._diagnose(reply, kb._match_rules(reply.text) if reply.text else [])

    def uncached_read(line: str) -> object:
        parse._analysed.cache_clear()
        return parse.parse_log_line(line)

    read_noise = per_call(lambda line: "status=" in line or parse.parse_log_line(line), noise)
    read = per_call(parse.parse_log_line, fail_lines, reset=empty_caches)
    read_all = per_call(uncached_read, fail_lines)
    diagnosed = per_call(diagnose.diagnose_reply, fail_replies, reset=empty_caches)
    full = per_call(uncached, fail_replies)
    matched = per_call(kb._match_rules, [r.text for r in fail_replies])
    counted = per_call(Summary().add, records, repeat=1)
    share = len(failing) / max(len(lines), 1)
    per_line = (1 - share) * read_noise + share * (read + diagnosed + counted)
    out.write(
        f"\nwhere a line's time goes (us per line, CPU time, {len(failing):,} failure lines):\n"
        f"  noise line (tested, skipped): {read_noise:.1f}\n"
        f"  failure line: read {read:.1f} as scanned ({read_all:.1f} when its reply text is"
        f" new), diagnose {diagnosed:.1f}\n"
        f"    as scanned ({full:.1f} uncached, of which rule matching {matched:.1f}),"
        f" summary {counted:.1f}\n"
        f"  => about {1e6 / per_line:,.0f} lines/s from these stages alone"
        f" ({100 * share:.1f}% failure lines), before reading and decoding the file\n"
    )


def corpus_paths(corpus: Path) -> list[str]:
    paths = [str(p) for p in sorted((corpus / "maildir").glob("*")) if p.is_dir()]
    paths += [str(p) for p in sorted((corpus / "mailbox").glob("mbox-*"))]
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--lines", type=int, default=200_000, help="log lines for the speed test")
    parser.add_argument(
        "--mta", default="postfix", choices=("postfix", "exim", "sendmail", "exchange", "mixed")
    )
    parser.add_argument("--rss-size", type=float, default=100, help="MB of log for peak RSS")
    parser.add_argument(
        "--jsonl",
        action="store_true",
        help="also time the record outputs, --format jsonl and plain",
    )
    parser.add_argument("--repeat", type=int, default=4, help="library runs (first is cold)")
    parser.add_argument("--skip-rss", action="store_true", help="skip the peak RSS run")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--breakdown", action="store_true", help="time each stage of a log line")
    args = parser.parse_args(argv)
    out = sys.stdout
    out.write(machine() + "\n")

    with tempfile.TemporaryDirectory(prefix="smtpcodes-bench-") as tmp:
        log = os.path.join(tmp, "mail.log")
        with open(log, "w", encoding="utf-8") as f:
            lines, size = write_log(f, mta=args.mta, lines=args.lines)
        out.write(f"\nlog: {lines:,} {args.mta} lines, {size / 1e6:.1f} MB (gen_logs.py)\n")

        summary, cold, best, median = repeated([log], args.repeat)
        share = (summary.failures + summary.deferrals) / max(summary.lines, 1)
        n = summary.lines
        out.write(
            f"  {summary.failures:,} failures + {summary.deferrals:,} deferrals ="
            f" {100 * share:.1f}% of lines, {summary.delivered:,} delivered\n"
            f"  library scan+summary: best {n / best:,.0f} lines/s, median {n / median:,.0f},"
            f" first run {n / cold:,.0f} ({args.repeat} runs)\n"
        )
        child(["explain", "550"])  # writes the bytecode the measured runs use
        status, seconds, rss = child(["scan", log, "--summary", "--json"])
        out.write(
            f"  smtpcodes scan --summary --json: {seconds:.2f} s = {lines / seconds:,.0f} lines/s"
            f" (exit {status}, peak RSS {rss:.0f} MB)\n"
        )
        for fmt in ("jsonl", "plain") if args.jsonl else ():
            status, seconds, rss = child(["scan", log, "--format", fmt])
            out.write(
                f"  smtpcodes scan --format {fmt} >/dev/null: {seconds:.2f} s ="
                f" {lines / seconds:,.0f} lines/s (exit {status}, peak RSS {rss:.0f} MB)\n"
            )

        if args.breakdown:
            breakdown(log, out)

        if (args.corpus / "maildir").is_dir():
            paths = corpus_paths(args.corpus)
            summary, cold, best, median = repeated(paths, args.repeat)
            n = summary.messages
            out.write(
                f"\ncorpus {args.corpus.name}: {n:,} messages ({summary.failures:,} failures,"
                f" {summary.deferrals:,} deferrals, {summary.other:,} other,"
                f" {summary.problems:,} problems)\n"
                f"  library scan+summary: best {n / best:,.0f} msg/s, median {n / median:,.0f},"
                f" first run {n / cold:,.0f} ({args.repeat} runs)\n"
            )
            status, seconds, rss = child(["scan", *paths, "--summary", "--json"])
            out.write(
                f"  smtpcodes scan --summary --json: {seconds:.2f} s = {n / seconds:,.0f} msg/s"
                f" (exit {status})\n"
            )
        else:
            out.write(f"\ncorpus: {args.corpus} is absent, skipped\n")

        if not args.skip_rss:
            big = os.path.join(tmp, "big.log")
            with open(big, "w", encoding="utf-8") as f:
                lines, size = write_log(f, mta=args.mta, size_mb=args.rss_size)
            status, seconds, rss = child(["scan", big, "--summary", "--json"])
            out.write(
                f"\npeak RSS: smtpcodes scan ({size / 1e6:,.0f} MB, {lines:,} lines) --summary"
                f" --json: {rss:.1f} MB in {seconds:.1f} s (exit {status})\n"
            )
            if args.jsonl:
                status, seconds, rss = child(["scan", big, "--format", "jsonl"])
                out.write(
                    f"peak RSS: smtpcodes scan ({size / 1e6:,.0f} MB) --format jsonl >/dev/null:"
                    f" {rss:.1f} MB in {seconds:.1f} s (exit {status})\n"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
