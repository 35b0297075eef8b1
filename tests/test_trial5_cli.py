"""Fixes from the fifth user trial: the CLI's usage, output errors, and interrupted summaries."""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Invoke

from smtpcodes.cli import Environment, run

ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}


def test_no_command_prints_the_help_on_real_lines_and_exits_2(invoke: Invoke) -> None:
    result = invoke()
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "\\n" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "Usage: smtpcodes [OPTIONS] COMMAND [ARGS]..."
    assert any(line.strip().startswith("explain") for line in lines)
    assert "internal error" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("bogus",),
        ("explain", "--bad"),
        ("search",),
        ("list", "--kind", "foo"),
        ("search", "-E", "-F", "x"),
        ("explain", "--max-bytes", "0", "550"),
    ],
)
def test_other_usage_errors_stay_one_line(invoke: Invoke, args: tuple[str, ...]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("smtpcodes: error: ")


# -- stdout that cannot be written: one error line, exit 2, never "internal error" -----------------

_LOG = (
    "Nov 20 10:00:00 mx postfix/smtp[1]: ABC1: to=<a@b.example>, relay=x[192.0.2.1]:25,"
    " delay=1, dsn=5.1.1, status=bounced (host x said: 550 5.1.1 user unknown)\n"
)


class _FullDisk(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _run_with(
    monkeypatch: pytest.MonkeyPatch, stdout: io.StringIO | None, *args: str
) -> tuple[int, str]:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", stdout)
    env = Environment(stdin=io.BytesIO(b""), stdout=stdout, stderr=err, stdin_isatty=True)
    return int(run(list(args), env)), err.getvalue()


_WRITING = [
    ("search", "x"),
    ("search", "-c", "x"),
    ("search", ""),
    ("list", "--format", "table"),
    ("explain", "550"),
    ("explain", "5.7.26"),
    ("explain", "550 5.1.1 user unknown", "--format", "table"),
    ("validate", "550"),
    ("scan", "LOG"),
    ("scan", "--summary", "LOG"),
    ("scan", "--format", "json", "LOG"),
]


@pytest.mark.parametrize(
    ("stdout", "reason"),
    [(None, "standard output is closed"), (_FullDisk, "No space left on device")],
    ids=["closed", "full-disk"],
)
@pytest.mark.parametrize("args", _WRITING)
def test_an_unwritable_stdout_is_one_error_line(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: tuple[str, ...],
    stdout: type[_FullDisk] | None,
    reason: str,
) -> None:
    log = tmp_path / "mail.log"
    log.write_text(_LOG)
    args = tuple(str(log) if a == "LOG" else a for a in args)
    status, stderr = _run_with(monkeypatch, stdout() if stdout else None, *args)
    assert status == 2
    assert stderr == f"smtpcodes: error: cannot write output: {reason}\n"


def test_quiet_search_with_stdout_closed_gives_its_status(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run_with(monkeypatch, None, "search", "-q", "dkim") == (0, "")
    assert _run_with(monkeypatch, None, "search", "-q", "no such thing at all") == (1, "")


def _close_stdout() -> None:
    os.close(1)


@pytest.mark.skipif(os.name != "posix", reason="closes a descriptor in the child")
@pytest.mark.parametrize("args", [("search", "x"), ("explain", "550"), ("search", "-q", "x")])
def test_real_closed_stdout(args: tuple[str, ...]) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "smtpcodes", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_close_stdout,
        env=ENV,
    )
    if "-q" in args:
        assert (r.returncode, r.stderr) == (0, "")
    else:
        assert r.returncode == 2
        assert r.stderr == "smtpcodes: error: cannot write output: standard output is closed\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [("search", ""), ("explain", "550"), ("--version",), ("--help",)])
def test_real_full_disk(args: tuple[str, ...]) -> None:
    with open("/dev/full", "w") as full:
        r = subprocess.run(
            [sys.executable, "-m", "smtpcodes", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
    assert r.returncode == 2
    assert r.stderr == "smtpcodes: error: cannot write output: No space left on device\n"


# -- help that says what the code does; validate names standard input ------------------------------


def _help(invoke: Invoke, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    result = invoke(*args, "--help")
    assert result.exit_code == 0
    return " ".join((result.stdout + capsys.readouterr().out).split())


def test_list_help_names_every_colour_list_uses(
    invoke: Invoke, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = _help(invoke, capsys, "list")
    for words in ("2xx) green", "3xx) cyan", "4xx) yellow", "5xx) red"):
        assert words in shown
    # ... and list does colour a 3xx code cyan (36).
    table = invoke("list", "--kind", "reply", "--class", "3", "--format", "table", "--color")
    assert "\x1b[1;36m354" in table.stdout


def test_scan_max_line_help_says_bytes_of_a_log_line(
    invoke: Invoke, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    shown = _help(invoke, capsys, "scan")
    assert "--max-line SIZE Read at most SIZE bytes of a log line" in shown
    # What the code does: a line of 10 two-byte characters is 20 bytes, over a limit of 16.
    log = tmp_path / "mail.log"
    log.write_text("é" * 10 + "\n" + _LOG, encoding="utf-8")
    result = invoke("scan", "--max-line", "16", "--summary", "--json", str(log))
    assert "a line longer than 16 bytes" in result.stderr


@pytest.mark.parametrize("args", [(), ("-",), ("--lines",)])
def test_validate_with_empty_stdin_names_standard_input(
    invoke: Invoke, args: tuple[str, ...]
) -> None:
    result = invoke("validate", *args, input=b"")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "smtpcodes: no reply found on standard input (it is empty)\n"


# -- Ctrl-C during scan --summary: the summary of what was read, then 130 --------------------------

SENDMAIL = Path(__file__).resolve().parent / "fixtures" / "scan" / "sendmail.log"


def _interrupt_at_mallory(monkeypatch: pytest.MonkeyPatch) -> None:
    from smtpcodes.parse import parse_log_line

    def interrupt(line: str) -> object:
        if "mallory" in line:
            raise KeyboardInterrupt
        return parse_log_line(line)

    monkeypatch.setattr("smtpcodes.scan.parse_log_line", interrupt)


def test_interrupted_summary_is_printed_and_marked(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = json.loads(invoke("scan", "--summary", "--json", str(SENDMAIL)).stdout)
    assert whole["interrupted"] is False and whole["totals"]["lines"] == 4
    _interrupt_at_mallory(monkeypatch)
    result = invoke("scan", "--summary", "--json", str(SENDMAIL))
    assert result.exit_code == 130
    summary = json.loads(result.stdout)
    assert summary["interrupted"] is True
    assert summary["by_domain"] == {"icloud.com": 1}  # ivan's, read before it
    assert result.stderr == "smtpcodes: interrupted: the summary is of what was read until then\n"
    plain = invoke("scan", "--summary", "--format", "plain", str(SENDMAIL))
    assert plain.exit_code == 130
    assert plain.stdout.splitlines()[0] == "interrupted\ttrue"
    table = invoke("scan", "--format", "table", str(SENDMAIL))
    assert table.exit_code == 130
    assert "(interrupted: what was read until then)" in " ".join(table.stdout.split())


def test_uninterrupted_plain_summary_has_no_interrupted_line(invoke: Invoke) -> None:
    plain = invoke("scan", "--summary", "--format", "plain", str(SENDMAIL))
    assert plain.exit_code == 0 and "interrupted" not in plain.stdout


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_ctrl_c_on_a_live_pipe_prints_the_summary() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "smtpcodes", "scan", "-", "--summary", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    assert proc.stdin is not None
    proc.stdin.write(SENDMAIL.read_bytes())
    proc.stdin.flush()  # and kept open, as tail -f keeps it
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    summary = json.loads(out)
    assert summary["interrupted"] is True and summary["totals"]["lines"] == 4
    assert b"Traceback" not in err
