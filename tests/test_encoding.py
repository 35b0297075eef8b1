"""UTF-16 behind a byte order mark (Windows PowerShell's ">" and Out-File) is read as the text it is,
by explain, validate and scan; anything else is left to the UTF-8 readers as before."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import Invoke

from smtpcodes._encoding import looks_utf16, to_utf8
from smtpcodes.scan import ScanRecord, Summary, scan

REPLY = "550 5.1.1 <a@example.com>: Recipient address rejected: User unknown\n"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_a_mark_becomes_utf8(codec: str) -> None:
    data = ("\ufeff" + REPLY).encode(codec) if codec != "utf-16" else REPLY.encode(codec)
    assert looks_utf16(data[:64])
    assert to_utf8(data).decode("utf-8").lstrip("\ufeff") == REPLY


@pytest.mark.parametrize(
    "data",
    [
        REPLY.encode("utf-8"),
        b"\xff\xfe garbage \x00\x01\n" + REPLY.encode("utf-8"),  # starts like a mark, is not
        b"\xff\xfe",
        b"",
        "日本語のテキスト".encode("utf-16-le"),  # no mark: nothing says what it is
    ],
)
def test_anything_else_is_left_as_it_is(data: bytes) -> None:
    assert to_utf8(data) == data


def test_an_odd_length_is_replaced_not_raised() -> None:
    assert to_utf8(REPLY.encode("utf-16") + b"\x00").decode("utf-8").endswith("\ufffd")


def test_explain_and_validate_read_utf16(invoke: Invoke, tmp_path: Path) -> None:
    data = REPLY.encode("utf-16")
    for args in (("explain", "--format", "plain"), ("explain", "-", "--format", "plain")):
        r = invoke(*args, input=data)
        assert r.exit_code == 0 and "\tuser-unknown\thard\t" in r.stdout, r.stderr
    path = tmp_path / "reply.txt"
    path.write_bytes(data)
    r = invoke("explain", "-f", str(path), "--format", "plain")
    assert r.exit_code == 0 and "\tuser-unknown\thard\t" in r.stdout, r.stderr
    r = invoke("validate", "--format", "plain", input=data)
    assert r.exit_code == 0 and "\tvalid" in r.stdout


def test_scan_reads_a_utf16_log() -> None:
    log = (
        "Nov 20 06:31:00 mail postfix/smtp[2211]: 4QxY8c2S3lz1aBc: to=<erin@gmail.com>, "
        "relay=gmail-smtp-in.l.google.com[142.250.102.27]:25, dsn=5.1.1, status=bounced (host "
        "gmail-smtp-in.l.google.com[142.250.102.27] said: " + REPLY.strip() + " (in reply to "
        "RCPT TO command))\n"
    )
    items = list(scan(["-"], stdin=io.BytesIO(log.encode("utf-16")), summary=Summary()))
    records = [i for i in items if isinstance(i, ScanRecord)]
    assert [(r.recipient, r.verdict.category) for r in records] == [
        ("erin@gmail.com", "user-unknown")
    ]


def test_explain_file_as_any_kind_reads_utf16(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "reply.txt"
    for kind, text in (("auto", REPLY), ("reply", REPLY), ("email", REPLY), ("log", _log_line(0))):
        path.write_bytes(text.encode("utf-16"))
        r = invoke("explain", "-f", str(path), "--as", kind, "--format", "plain")
        assert r.exit_code == 0 and "\tuser-unknown\t" in r.stdout, (kind, r.stderr)


def _log_line(n: int, extra: str = "") -> str:
    return (
        f"Nov 20 06:31:{n:02d} mail postfix/smtp[2211]: 4QxY8c2S3lz{n:03d}: to=<u{n}@gmail.com>, "
        "relay=gmail-smtp-in.l.google.com[142.250.102.27]:25, dsn=5.1.1, status=bounced (host "
        f"gmail-smtp-in.l.google.com[142.250.102.27] said: 550 5.1.1 no such user{extra} "
        "(in reply to RCPT TO command))\n"
    )


def test_utf16_lines_end_at_line_feeds_only() -> None:
    # As in UTF-8 input, a bare CR, a form feed, NEL or U+2028 inside a line does not end it.
    text = "".join(_log_line(n, extra) for n, extra in enumerate(["", "\r", "\x0c\x85", "\u2028"]))
    for data in (text.encode("utf-8"), text.encode("utf-16")):
        summary = Summary()
        items = list(scan(["-"], stdin=io.BytesIO(data), summary=summary))
        records = [i for i in items if isinstance(i, ScanRecord)]
        assert summary.lines == 4
        assert [(r.line, r.recipient) for r in records] == [
            (n + 1, f"u{n}@gmail.com") for n in range(4)
        ]


@pytest.mark.parametrize("compress", ["gzip", "bz2", "lzma"])
def test_compressed_utf16_log(compress: str, tmp_path: Path) -> None:
    import importlib

    module = importlib.import_module(compress)
    path = tmp_path / "mail.log.z"
    path.write_bytes(module.compress("".join(_log_line(n) for n in range(3)).encode("utf-16")))
    records = [i for i in scan([str(path)], summary=Summary()) if isinstance(i, ScanRecord)]
    assert [r.recipient for r in records] == ["u0@gmail.com", "u1@gmail.com", "u2@gmail.com"]


def test_utf16_long_line_is_cut_like_any_other(tmp_path: Path) -> None:
    from smtpcodes.limits import Limits

    text = _log_line(0, " " + "é" * 5000) + _log_line(1)
    items = list(scan(["-"], stdin=io.BytesIO(text.encode("utf-16")), limits=Limits(max_line=2048)))
    cut = [i for i in items if not isinstance(i, ScanRecord)]
    assert [i.kind for i in cut] == ["cut"]
    assert [i.line for i in items if isinstance(i, ScanRecord)] == [1, 2]
