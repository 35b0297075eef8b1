"""Huge input: a 200 MB single line, a 100 MB email, 10,000 MIME parts, an mbox of 100,000 bounces.

    python benchmarks/big_inputs.py [--scale F] [--only NAME ...] [--dir DIR] [--keep]

Each input is written to a temporary folder (or --dir), then read by the commands that take it,
each a child process: the time, the child's peak RSS (its own ru_maxrss, from wait4), the exit
status, what was written and the first lines of stderr, where whatever a limit cut must be named.
--scale shrinks every size (0.1 gives a 20 MB line; tests/test_limits.py runs such a scaled-down
set). Memory must stay flat: the readers stop at --max-bytes (1 MiB) per input or message,
--max-parts (1,000), --max-items (1,000 per input for explain); scan streams whatever the size.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_BOUNCE = (
    "From: MAILER-DAEMON@mx.example.org\n"
    "To: sender@example.org\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
    "--b\nContent-Type: text/plain\n\n"
    "<{rcpt}>: host mx.example.net[192.0.2.1] said: 550 5.1.1 <{rcpt}>: Recipient address "
    "rejected: User unknown (in reply to RCPT TO command)\n\n"
    "--b\nContent-Type: message/delivery-status\n\n"
    "Reporting-MTA: dns; mx.example.org\n\n"
    "Final-Recipient: rfc822; {rcpt}\nAction: failed\nStatus: 5.1.1\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown\n\n"
    "--b\nContent-Type: message/rfc822\n\n"
    "From: sender@example.org\nTo: {rcpt}\nSubject: hello\n"
)
_MB = 1 << 20


def bounce(rcpt: str) -> str:
    return _BOUNCE.format(rcpt=rcpt)


def single_line(path: Path, size: int) -> None:
    """One line of `size` bytes that starts with a reply (and never ends)."""
    with open(path, "wb") as f:
        f.write(b"550 5.1.1 <a@example.com>: user unknown ")
        chunk = b"x" * _MB
        written = 0
        while written < size:
            f.write(chunk[: size - written])
            written += len(chunk)


def big_email(path: Path, size: int) -> None:
    """A DSN whose returned message carries a `size`-byte base64 attachment."""
    with open(path, "wb") as f:
        f.write(bounce("a@example.com").encode())
        f.write(
            b"Content-Type: multipart/mixed; boundary=c\n\n--c\nContent-Type: text/plain\n\nhi\n"
        )
        f.write(
            b"--c\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
        )
        line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWkFC\n"
        block = line * (_MB // len(line))
        written = 0
        while written < size:
            f.write(block)
            written += len(block)
        f.write(b"--c--\n\n--b--\n")


def many_parts(path: Path, parts: int) -> None:
    """A multipart/mixed bounce of `parts` text parts, each naming another recipient."""
    with open(path, "w", encoding="ascii") as f:
        f.write("From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail\n")
        f.write("Content-Type: multipart/mixed; boundary=p\n\n")
        for i in range(parts):
            f.write(
                f"--p\nContent-Type: text/plain\n\n<u{i}@example.com>: 550 5.1.1 user unknown\n"
            )
        f.write("--p--\n")


def big_mbox(path: Path, messages: int) -> None:
    """An mbox of `messages` DSNs, each for another recipient."""
    with open(path, "w", encoding="ascii") as f:
        for i in range(messages):
            f.write(f"From MAILER-DAEMON Thu Nov 20 10:00:{i % 60:02d} 2026\n")
            f.write(bounce(f"u{i}@example.com"))
            f.write("\n")


@dataclass
class Input:
    name: str
    file: str
    size: int  # bytes, parts or messages at scale 1
    unit: str
    write: Callable[[Path, int], None]
    commands: list[list[str]]  # {file} stands for the path; "<" as first item feeds it on stdin


INPUTS = [
    Input(
        "200 MB single line",
        "line.txt",
        200 * _MB,
        "bytes",
        single_line,
        [["<", "explain", "-", "--format", "json"], ["scan", "{file}", "--summary", "--json"]],
    ),
    Input(
        "100 MB email",
        "big.eml",
        100 * _MB,
        "bytes",
        big_email,
        [
            ["explain", "-f", "{file}", "--format", "json"],
            ["<", "explain", "-", "--format", "json"],
        ],
    ),
    Input(
        "10,000 MIME parts",
        "parts.eml",
        10_000,
        "parts",
        many_parts,
        [
            ["explain", "-f", "{file}", "--format", "json"],
            [
                "explain",
                "-f",
                "{file}",
                "--format",
                "json",
                "--max-bytes",
                "8M",
                "--max-parts",
                "20000",
                "--max-items",
                "20000",
            ],
        ],
    ),
    Input(
        "mbox of 100,000 bounces",
        "bounces.mbox",
        100_000,
        "messages",
        big_mbox,
        [
            ["explain", "-f", "{file}", "--format", "jsonl"],
            ["scan", "{file}", "--summary", "--json"],
        ],
    ),
]


@dataclass
class Measured:
    status: int
    seconds: float
    peak_rss_mb: float
    stdout_bytes: int
    stderr: str


# Linux counts in a child's ru_maxrss the memory of the process it was forked from (exec keeps
# the old mm's high-water mark), so a child of a big process (pytest) looks big. This small
# interpreter starts the command and reports the command's own figures.
_WRAPPER = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(f"{usage.ru_maxrss} {time.perf_counter() - start}")
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def measure(command: list[str], file: Path, exe: str) -> Measured:
    """Run one command as a grandchild, through a small interpreter that measures it."""
    stdin_from_file = command[0] == "<"
    args = [a.replace("{file}", str(file)) for a in command[1 if stdin_from_file else 0 :]]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as report,
    ):
        stdin = open(file, "rb") if stdin_from_file else subprocess.DEVNULL  # noqa: SIM115
        try:
            wrapper = [sys.executable, "-c", _WRAPPER, report.name, exe, *args]
            status = subprocess.run(
                wrapper, stdin=stdin, stdout=out, stderr=err, env=env
            ).returncode
        finally:
            if stdin_from_file:
                stdin.close()  # type: ignore[union-attr]
        maxrss, seconds = report.read().split()
        stdout_bytes = out.tell()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    rss = int(maxrss) / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Measured(status, float(seconds), rss, stdout_bytes, stderr)


def script() -> str:
    here = Path(sys.executable).parent / "smtpcodes"
    found = str(here) if here.exists() else shutil.which("smtpcodes")
    if not found:
        sys.exit("smtpcodes is not installed in this environment")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size (0.1)")
    parser.add_argument("--only", nargs="*", help="input names to run, e.g. 'MIME' (substring)")
    parser.add_argument("--dir", help="where to write the inputs (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the inputs afterwards")
    args = parser.parse_args()
    exe = script()
    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="smtpcodes-big-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"scale {args.scale}; inputs in {folder}"
    )
    try:
        for item in INPUTS:
            if args.only and not any(o.lower() in item.name.lower() for o in args.only):
                continue
            size = max(1, int(item.size * args.scale))
            path = folder / item.file
            start = time.perf_counter()
            item.write(path, size)
            wrote = time.perf_counter() - start
            print(
                f"\n{item.name} (scaled: {size:,} {item.unit}, {path.stat().st_size:,} bytes, "
                f"written in {wrote:.1f} s)"
            )
            for command in item.commands:
                m = measure(command, path, exe)
                shown = " ".join(
                    ("<FILE" if a == "<" else a.replace("{file}", "FILE")) for a in command
                )
                print(
                    f"  smtpcodes {shown}\n"
                    f"    exit {m.status}, {m.seconds:.2f} s, peak RSS {m.peak_rss_mb:.0f} MB, "
                    f"{m.stdout_bytes:,} bytes out"
                )
                for line in m.stderr.splitlines()[:4]:
                    print(f"    stderr: {line[:150]}")
            if not args.keep:
                path.unlink()
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
