"""Adversarial input against every pattern that reads input text: each reader must stay linear.

    python benchmarks/adversarial.py [--size BYTES] [--only NAME ...] [--repeat N]

Each input is about --size bytes (default 1,000,000) of one repeated unit chosen to make a
backtracking regular expression work hard ("5.5.5.5." for code patterns, "550-" for reply lines,
"<" for HTML tags, "a@" for addresses, "=?utf-8?q?" for encoded words, ...), alone or after a
header that sends it down a particular path (a bounce body, a folded header, a MIME multipart).
Every reader gets every input: parse_text with each kind, parse_log_line, parse_message,
validate, validate_lines, find_codes, kb.match_rules, diagnose, and the CLI in process
(`explain -` and `validate --lines -`, JSON to a null stream). The table gives the seconds each
took (best of --repeat); the target is well under a second for each, and a super-linear pattern
shows up as tens of seconds or more. tests/test_hostile.py runs the same inputs with generous
bounds.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

_BOUNCE = "From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\n\n"
_HTML = "From: MAILER-DAEMON@example.org\nContent-Type: text/html\n\n"
_MULTIPART = "Content-Type: multipart/report; boundary=b\n\n"
_POSTFIX = (
    "Nov 20 10:00:01 mx postfix/smtp[1]: 4BxyzQ: to=<a@example.com>, relay=mx[192.0.2.1]:25, "
    "dsn=5.1.1, status=bounced (host mx[192.0.2.1] said: 550 5.1.1 "
)

#: name -> (prefix, unit repeated to the size, suffix)
ADVERSARIAL: dict[str, tuple[str, str, str]] = {
    "5.5.5.5.": ("", "5.5.5.5.", ""),
    "550-": ("", "550-", ""),
    "spaces": ("550", " ", "x"),
    "<": ("", "<", ""),
    "(": ("", "(", ""),
    "a@": ("", "a@", ""),
    "=?utf-8?q?": ("", "=?utf-8?q?", ""),
    "CRLF": ("", "\r\n", ""),
    "CR": ("550 x", "\r", ""),
    "550 5.1.1 lines": ("", "550 5.1.1 x\n", ""),
    "550- lines": ("", "550-5.1.1 x\n", ""),
    "reply, prose": ("", "550 x\nfoo\n", ""),
    "enhanced lines": ("", "5.1.1 x\n", ""),
    "transcript": ("", ">>> RCPT TO:<a@example.com>\n<<< 550 x\n", ""),
    "prose lines": ("", "x\n", ""),
    "paragraphs": ("", "x\n\n", ""),
    "digits": ("", "5", ""),
    "dots": ("5", ".", ""),
    "tabs": ("550", "\t", "5.1.1"),
    "hosts": ("", "host mx[1.2.3.4] said: ", ""),
    "said:": ("", "said: ", ""),
    "addresses": ("", "<a@example.com> ", ""),
    "quoted": ("", "> x\n", ""),
    "Final-Recipient": ("", "Final-Recipient: rfc822; a@example.com\n", ""),
    "folded Diagnostic-Code": (
        "Final-Recipient: rfc822; a@example.com\nDiagnostic-Code: smtp; 550 x\n",
        " y\n",
        "",
    ),
    "folded Subject": ("From: a@example.com\nSubject: x\n", " y\n", "\n\n550 x\n"),
    "encoded words": ("From: a@example.com\nSubject: ", "=?utf-8?q?a?= ", "\n\n550 x\n"),
    "bounce anchors": (_BOUNCE, "<a@example.com>: 550 x\n", ""),
    "bounce addresses": (_BOUNCE, "a@example.com:\n", ""),
    "html <": (_HTML, "<", ""),
    "html <br": (_HTML, "<br", ""),
    "html <style": (_HTML, "<head><style>", ""),
    "MIME parts": (_BOUNCE.rstrip("\n") + "\n" + _MULTIPART, "--b\n\n550 x\n", ""),
    "MIME nesting": ("", "Content-Type: multipart/mixed; boundary=b\n\n--b\n", ""),
    "postfix log": ("", _POSTFIX + "user unknown)\n", ""),
    "postfix long reply": (_POSTFIX, "x ", ")"),
    "exim flag": ("2026-11-20 10:00:01 1abcDE-000123-AB ** ", "a@", ""),
    "sendmail stat": ("Nov 20 10:00:01 mx sm-mta[1]: 4AKA01xx012345: to=<a@b.c>, stat=", "x", ""),
    "SES JSON": ('{"notificationType":"Bounce","bounce":{"bouncedRecipients":[', "{},", "]}}"),
    "headers": ("", "X-A: b\n", ""),
    "NUL": ("550 ", "\x00", ""),
    "ESC": ("550 ", "\x1b[", ""),
}


def make(name: str, size: int) -> str:
    prefix, unit, suffix = ADVERSARIAL[name]
    return prefix + unit * max(1, (size - len(prefix) - len(suffix)) // len(unit)) + suffix


def _cli(args: list[str]) -> Callable[[str], object]:
    from smtpcodes.cli import Environment, run

    def call(text: str) -> object:
        env = Environment(
            stdin=io.BytesIO(text.encode("utf-8", "surrogatepass")),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            stdin_isatty=False,
            stdout_isatty=False,
        )
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            return run(args, env)

    return call


def readers() -> dict[str, Callable[[str], object]]:
    """Every function that runs patterns on input text, by name."""
    from smtpcodes import kb
    from smtpcodes.bounce import parse_message
    from smtpcodes.codes import find_codes
    from smtpcodes.diagnose import diagnose
    from smtpcodes.parse import parse_log_line, parse_text
    from smtpcodes.validate import validate, validate_lines

    return {
        "auto": lambda t: parse_text(t),
        "codes": lambda t: parse_text(t, "codes"),
        "reply": lambda t: parse_text(t, "reply"),
        "log": lambda t: parse_text(t, "log"),
        "email": lambda t: parse_text(t, "email"),
        "log_line": parse_log_line,
        "message": lambda t: parse_message(t.encode("utf-8", "surrogatepass")),
        "validate": validate,
        "lines": validate_lines,
        "find_codes": find_codes,
        "rules": kb.match_rules,
        "diagnose": diagnose,
        "cli explain": _cli(["explain", "-", "--format", "json"]),
        "cli validate": _cli(["validate", "--lines", "-", "--format", "json"]),
    }


def timed(reader: Callable[[str], object], text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        reader(text)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="bytes per input")
    parser.add_argument("--only", nargs="*", help="input names to run (default: all)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per reading, best taken")
    args = parser.parse_args()
    names = args.only or list(ADVERSARIAL)
    funcs = readers()
    for reader in funcs.values():
        reader("550 5.1.1 warm-up <a@example.com>")  # data files loaded, patterns compiled
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"inputs of {args.size:,} bytes; seconds, best of {args.repeat}"
    )
    short = {name: name[:11] for name in funcs}
    print(f"{'input':<24}" + "".join(f"{short[n]:>12}" for n in funcs) + f"{'max':>8}")
    worst = 0.0
    for name in names:
        text = make(name, args.size)
        times = [timed(f, text, args.repeat) for f in funcs.values()]
        worst = max(worst, *times)
        cells = "".join(f"{t:>12.3f}" for t in times)
        print(
            f"{name:<24}{cells}{max(times):>8.2f}{'  SLOW' if max(times) >= 1 else ''}", flush=True
        )
    print(f"slowest reading: {worst:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
