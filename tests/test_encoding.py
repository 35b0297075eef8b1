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
