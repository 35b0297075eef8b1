"""The terminal: text from input is never Rich markup and never an escape sequence (issue 5).

Every test here runs the installed `smtpcodes` with its stdout and its stderr each on a real
pseudo-terminal (so the table is the default, as at a desk) and reads the bytes the terminal
would get. The only escape sequences allowed are Rich's own colours (SGR, "ESC [ ... m"); no
ESC, CSI, OSC (OSC 8 hyperlinks included), BEL, backspace or carriage return from the input may
reach the terminal, and "[red]", "[link=...]", "[/x]" from the input print as written.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import select
import shutil
import struct
import subprocess
import termios
import time
import tty
from dataclasses import dataclass
from pathlib import Path

import pytest

SMTPCODES = shutil.which("smtpcodes")
pytestmark = pytest.mark.skipif(
    SMTPCODES is None or not hasattr(os, "openpty"), reason="needs the installed script and a pty"
)

COLUMNS = 100
# Rich's colours and styles, the only sequences allowed on the terminal.
SGR = re.compile(rb"\x1b\[[0-9;]*m")
# Whatever else could drive a terminal: ESC, C0 controls but tab and newline, DEL, C1 in UTF-8.
DANGEROUS = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")

HOSTILE = (
    "550 5.1.1 <victim@example.com>: \x1b]8;;http://evil.example/\x07click here\x1b]8;;\x07 "
    "\x1b[2J\x1b[H\x1b]0;pwned\x07 [red]red[/red] [link=http://evil.example/]link[/link] [/x] "
    "bell\x07 back\x08\x08 \x9b31m c1 \u202eevil\u202c tab\tend cr\rover"
)
MARKUP = ("[red]red[/red]", "[link=http://evil.example/]link[/link]", "[/x]")


@dataclass
class Screen:
    status: int
    out: bytes
    err: bytes


def _pty(columns: int) -> tuple[int, int]:
    master, slave = os.openpty()
    tty.setraw(slave)  # no "\n" -> "\r\n": any "\r" that arrives was sent
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    return master, slave


def on_terminal(
    args: list[str],
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    columns: int = COLUMNS,
) -> Screen:
    """Run smtpcodes with stdout and stderr on two pseudo-terminals; stdin a pipe (or a third pty)."""
    out_master, out_slave = _pty(columns)
    err_master, err_slave = _pty(columns)
    in_master = in_slave = -1
    if stdin is None:
        in_master, in_slave = _pty(columns)
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ.update({"TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": "40"})
    environ.update(env or {})
    assert SMTPCODES is not None
    proc = subprocess.Popen(
        [SMTPCODES, *args],
        stdin=subprocess.PIPE if stdin is not None else in_slave,
        stdout=out_slave,
        stderr=err_slave,
        env=environ,
        close_fds=True,
    )
    os.close(out_slave)
    os.close(err_slave)
    if in_slave >= 0:
        os.close(in_slave)
    if stdin is not None:
        assert proc.stdin is not None
        try:
            proc.stdin.write(stdin)
            proc.stdin.close()
        except BrokenPipeError:
            pass
    got = {out_master: bytearray(), err_master: bytearray()}
    open_fds = set(got)
    deadline = time.monotonic() + 60
    while open_fds and time.monotonic() < deadline:
        ready, _, _ = select.select(list(open_fds), [], [], 0.5)
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError as exc:  # EIO: the child closed its end
                if exc.errno != errno.EIO:
                    raise
                chunk = b""
            if chunk:
                got[fd] += chunk
            else:
                open_fds.discard(fd)
        if not ready and proc.poll() is not None:
            break
    status = proc.wait(timeout=30)
    for fd in (out_master, err_master, in_master):
        if fd >= 0:
            os.close(fd)
    return Screen(status, bytes(got[out_master]), bytes(got[err_master]))


def colours(data: bytes) -> list[bytes]:
    """The SGR sequences that set a colour (30-49, 90-107), not bold or dim."""
    found = []
    for m in SGR.finditer(data):
        params = [int(p) for p in m.group(0)[2:-1].split(b";") if p]
        if any(30 <= p <= 49 or 90 <= p <= 107 for p in params):
            found.append(m.group(0))
    return found


def assert_safe(data: bytes) -> str:
    """Nothing but Rich's colours may reach the terminal; returns the text without them."""
    assert b"\x1b]" not in data, data  # OSC: titles, OSC 8 hyperlinks
    bare = SGR.sub(b"", data)
    found = DANGEROUS.search(bare)
    assert found is None, (found.group(0), bare[max(0, found.start() - 60) : found.end() + 60])
    text = bare.decode("utf-8")
    for mark in ("\u202e", "\u2028", "\u2029", "\u2066"):
        assert mark not in text
    return text


def test_hostile_reply_in_the_explain_panel() -> None:
    screen = on_terminal(["explain", "--color", HOSTILE])
    assert screen.status == 0, screen.err
    assert colours(screen.out), "the panel should be in colour"
    text = assert_safe(screen.out)
    assert "user-unknown" in text
    flat = re.sub(r"[\s│]+", "", text)  # the panel wraps long values
    for mark in MARKUP:
        assert re.sub(r"\s+", "", mark) in flat, mark
    # Shown as escapes; a carriage return ends a line of the reply, like a newline.
    for shown in ("\\x1b]8;;http://evil.example/\\x07", "\\x1b[2J", "\\x07", "\\x08", "\\x9b"):
        assert shown in flat, shown
    assert "\\u202e" in flat
    assert_safe(screen.err)


def _hostile_bounce() -> bytes:
    evil = "\x1b]8;;http://evil.example/\x07[link=http://evil.example/]x[/link]\x1b]8;;\x07"
    return (
        "From: MAILER-DAEMON@mx.example.org\n"
        "Subject: Undelivered Mail =?utf-8?q?=1B=5D0=3Bpwned=07?= [red]x[/red]\n"
        "To: sender@example.org\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
        "--b\nContent-Type: text/plain; charset=utf-8\n\n"
        f"<victim\x1b[31m@example.com>: host mx\x1b[2J.example.net[192.0.2.1] said: "
        f"550 5.1.1 {evil} user unknown \x07\x08\r[/x] (in reply to RCPT TO command)\n\n"
        "--b\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.org\n\n"
        "Final-Recipient: rfc822; victim@example.com\n"
        "Action: failed\nStatus: 5.1.1\n"
        f"Remote-MTA: dns; mx\x1b[2J.example.net\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 {evil} user unknown \x07\x08\r[/x]\n\n"
        "--b--\n"
    ).encode()


@pytest.mark.parametrize("color", [[], ["--color"], ["--no-color"]])
def test_hostile_bounce_in_the_explain_panel(color: list[str]) -> None:
    screen = on_terminal(["explain", "-", *color], stdin=_hostile_bounce())
    assert screen.status == 0, screen.err
    text = assert_safe(screen.out)
    assert "user-unknown" in text and "5.1.1" in text
    flat = re.sub(r"[\s│]+", "", text)
    assert "[link=http://evil.example/]x[/link]" in flat
    assert "\\x1b]8;;http://evil.example/\\x07" in flat
    assert_safe(screen.err)
    if color == ["--no-color"]:
        assert not colours(screen.out)  # bold and dim stay: they are no colour


def test_hostile_bounce_from_a_file_in_json_plain_and_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "bounce\x1b[31m.eml"
    path.write_bytes(_hostile_bounce())
    for fmt in ("json", "plain", "jsonl"):
        screen = on_terminal(["explain", "-f", str(path), "--format", fmt])
        assert screen.status == 0, screen.err
        text = assert_safe(screen.out)
        assert not SGR.search(screen.out)
        if fmt == "json":
            (item,) = json.loads(text)
            assert "\x1b]8;;http://evil.example/\x07" in item["input"]  # escaped, not lost
            assert "\x1b[31m" in item["location"]
            assert "\\u001b]8;;" in text
        if fmt == "plain":
            assert all(line.count("\t") == 9 for line in text.splitlines())
            assert "\\x1b]8;;http://evil.example/\\x07" in text


def test_stderr_messages_are_safe_and_one_line() -> None:
    nothing = "no code here \x1b]0;title\x07 \x1b[2J [red]x[/red]\r\nsecond line\u2028third"
    screen = on_terminal(["explain", nothing])
    assert screen.status == 1
    assert screen.out in (b"", b"\n") or assert_safe(screen.out) is not None
    text = assert_safe(screen.err)
    lines = text.splitlines()
    assert len(lines) == 1 and lines[0].startswith("smtpcodes: "), text
    assert "[red]x[/red]" in text and "\\x1b]0;title\\x07" in text


def test_a_bad_file_name_on_stderr(tmp_path: Path) -> None:
    screen = on_terminal(["explain", "-f", str(tmp_path / "no\x1b[2Jsuch\x07file")])
    assert screen.status == 2
    text = assert_safe(screen.err)
    assert len(text.splitlines()) == 1 and "\\x1b[2J" in text and "\\x07" in text


def test_markup_in_a_reply_prints_literally() -> None:
    screen = on_terminal(["explain", "550 5.7.1 [bold red]blocked[/bold red] [link=x]here[/]"])
    assert screen.status == 0, screen.err
    flat = re.sub(r"[\s│]+", "", assert_safe(screen.out))
    assert "[boldred]blocked[/boldred][link=x]here[/]" in flat


def test_validate_table_on_a_terminal() -> None:
    screen = on_terminal(["validate", "-", "--color"], stdin=HOSTILE.encode("utf-8"))
    assert screen.status in (0, 1), screen.err
    text = assert_safe(screen.out)
    assert "control-character" in text  # RFC 5321 allows no control characters in reply text
    assert_safe(screen.err)


def test_scan_summary_table_with_hostile_log_lines() -> None:
    line = (
        "Nov 20 10:00:01 mx postfix/smtp[1]: 4BxyzQ: to=<a\x1b[31m@example.com>, "
        "relay=mx[192.0.2.1]:25, dsn=5.1.1, status=bounced (host mx[192.0.2.1] said: "
        + HOSTILE
        + ")\n"
    )
    for args in (["scan", "-"], ["scan", "--summary", "-", "--color"]):
        screen = on_terminal(args, stdin=(line * 3).encode("utf-8"))
        assert screen.status == 0, screen.err
        assert_safe(screen.out)
        assert_safe(screen.err)


def test_search_and_list_tables() -> None:
    for args in (["search", "-i", "dkim"], ["list", "--subject", "7"], ["search", "[red]"]):
        screen = on_terminal(args)
        assert screen.status in (0, 1, 2), screen.err
        assert_safe(screen.out)
        assert_safe(screen.err)


def test_reading_a_terminal_stdin_is_refused_not_waited_for() -> None:
    # No arguments and a terminal on stdin: a usage message, not a hang.
    screen = on_terminal(["explain"])
    assert screen.status == 2
    assert assert_safe(screen.err).startswith("smtpcodes: error:")


def test_narrow_terminal_and_dumb_terminal() -> None:
    screen = on_terminal(["explain", HOSTILE], columns=20)
    assert screen.status == 0
    assert_safe(screen.out)
    screen = on_terminal(["explain", HOSTILE], env={"TERM": "dumb"})
    assert screen.status == 0
    assert not colours(screen.out)
    assert_safe(screen.out)


@pytest.mark.parametrize(
    ("env", "args", "coloured"),
    [
        ({}, [], True),
        ({"TERM": "dumb"}, [], False),
        ({"TERM": "dumb", "FORCE_COLOR": "1"}, [], True),  # force-color.org: even TERM=dumb
        ({"FORCE_COLOR": "0"}, [], True),  # any value that is not empty
        ({"NO_COLOR": "1"}, [], False),
        ({"NO_COLOR": ""}, [], True),  # no-color.org: empty is unset
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, [], True),  # force-color.org's example
        ({"NO_COLOR": "1"}, ["--color"], True),  # a flag outranks the environment
        ({"FORCE_COLOR": "1", "TERM": "dumb"}, ["--no-color"], False),
    ],
)
def test_colour_follows_no_color_and_force_color_on_a_terminal(
    env: dict[str, str], args: list[str], coloured: bool
) -> None:
    screen = on_terminal(["list", "--kind", "reply", "--class", "5", *args], env=env)
    assert screen.status == 0, screen.err
    assert bool(colours(screen.out)) is coloured


def test_no_color_flag_with_force_color_leaves_a_pipe_plain() -> None:
    environ = {**os.environ, "FORCE_COLOR": "1", "COLUMNS": "100"}
    r = subprocess.run(
        [str(SMTPCODES), "list", "--kind", "reply", "--format", "table", "--no-color"],
        capture_output=True,
        env=environ,
    )
    assert r.returncode == 0 and b"\x1b" not in r.stdout
    forced = subprocess.run(
        [str(SMTPCODES), "list", "--kind", "reply", "--format", "table"],
        capture_output=True,
        env={**environ, "TERM": "dumb"},
    )
    assert colours(forced.stdout)  # forced into a pipe, as force-color.org means it
