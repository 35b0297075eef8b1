"""Fixes from the fifth user trial: what scan does with input that is not text."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import random
from pathlib import Path

import pytest
from conftest import Invoke

from smtpcodes.scan import ScanProblem, ScanRecord, Summary, scan

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scan"
SENDMAIL = (FIXTURES / "sendmail.log").read_bytes()
RANDOM = random.Random(5).randbytes(20_000)
ZSTD = b"(\xb5/\xfd\x24\x1a\xd1\x00\x00" + random.Random(6).randbytes(400)
JAPANESE = "宛先のメールアドレスが見つかりません"
LOG_LINE = (
    "Nov 20 10:00:00 mx postfix/smtp[1]: 4QxJ1: to=<hanako@ezweb.ne.jp>, relay=mx[192.0.2.1]:25,"
    f" delay=1, dsn=5.1.1, status=bounced (host mx said: 550 5.1.1 {JAPANESE})\n"
)
BOUNCE = (
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.jp>\n"
    "To: <news@shop.example>\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset={charset}\n\n"
    f"{JAPANESE}\n\n"
    "<hanako@example.jp>: host mx.example.jp said: 550 5.1.1 <hanako@example.jp>:"
    " Recipient address rejected: User unknown\n"
)


def _scan(*paths: str, stdin: bytes = b"") -> tuple[list[ScanRecord], list[ScanProblem]]:
    items = list(scan(paths, summary=Summary(), stdin=io.BytesIO(stdin)))
    records = [i for i in items if isinstance(i, ScanRecord)]
    return records, [i for i in items if isinstance(i, ScanProblem)]


def test_random_bytes_are_named_as_not_text(tmp_path: Path) -> None:
    junk = tmp_path / "rand.bin"
    junk.write_bytes(RANDOM)
    records, problems = _scan(str(junk))
    assert records == []
    [problem] = problems
    assert problem.unreadable and problem.file == str(junk)
    assert str(problem).startswith(f"{junk}: binary data, not text")


def test_zstd_is_named_with_how_to_read_it(tmp_path: Path) -> None:
    packed = tmp_path / "postfix.log.zst"
    packed.write_bytes(ZSTD)
    _, [problem] = _scan(str(packed))
    assert problem.unreadable
    assert str(problem) == f"{packed}: zstd-compressed; decompress it with zstd -dc first"


def test_random_bytes_on_stdin_are_named(tmp_path: Path) -> None:
    _, [problem] = _scan("-", stdin=RANDOM)
    assert str(problem).startswith("standard input: binary data, not text")


def test_cli_binary_input_beside_a_log_exits_2_and_the_log_is_scanned(
    invoke: Invoke, tmp_path: Path
) -> None:
    (tmp_path / "rand.bin").write_bytes(RANDOM)
    (tmp_path / "postfix.log.zst").write_bytes(ZSTD)
    (tmp_path / "sendmail.log").write_bytes(SENDMAIL)
    names = [str(tmp_path / n) for n in ("rand.bin", "postfix.log.zst", "sendmail.log")]
    result = invoke("scan", "--format", "plain", *names)
    assert result.exit_code == 2
    assert len(result.stdout.splitlines()) == 2  # sendmail.log's two failures
    assert result.stderr.splitlines() == [
        f"smtpcodes: {names[0]}: binary data, not text (--as log reads the lines it can)",
        f"smtpcodes: {names[1]}: zstd-compressed; decompress it with zstd -dc first",
    ]
    alone = invoke("scan", names[0])
    assert alone.exit_code == 2
    assert names[0] in alone.stderr and "nothing recognisable" not in alone.stderr


def test_as_log_reads_what_it_can_of_any_input(tmp_path: Path) -> None:
    junk = tmp_path / "rand.bin"
    junk.write_bytes(RANDOM + b"\n" + SENDMAIL)
    items = list(scan([str(junk)], kind="log", summary=Summary()))
    assert not any(isinstance(i, ScanProblem) and i.unreadable for i in items)
    assert len([i for i in items if isinstance(i, ScanRecord)]) == 2


@pytest.mark.parametrize(
    "pack",
    [lambda b: b, gzip.compress, bz2.compress, lzma.compress],
    ids=["plain", "gzip", "bzip2", "xz"],
)
@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: t.encode("utf-16"),  # with its byte order mark
        lambda t: t.encode("shift_jis"),
        lambda t: t.encode("euc-jp"),
        lambda t: t.encode("iso-2022-jp"),
        lambda t: b"\x00" * 20_000 + t.encode("utf-8"),  # logrotate's copytruncate
    ],
    ids=["utf-8", "utf-16", "shift_jis", "euc-jp", "iso-2022-jp", "nuls-first"],
)
def test_text_logs_are_still_read(tmp_path: Path, pack: object, encode: object) -> None:
    log = tmp_path / "mail.log"
    log.write_bytes(pack(encode(LOG_LINE * 3)))  # type: ignore[operator]
    records, problems = _scan(str(log))
    assert not [p for p in problems if p.unreadable]
    assert [r.recipient for r in records] == ["hanako@ezweb.ne.jp"] * 3


@pytest.mark.parametrize("charset", ["iso-2022-jp", "shift_jis", "euc-jp", "utf-8"])
def test_japanese_bounces_are_still_read(tmp_path: Path, charset: str) -> None:
    eml = tmp_path / "bounce.eml"
    eml.write_bytes(BOUNCE.format(charset=charset).encode(charset))
    records, problems = _scan(str(eml))
    assert not problems
    assert [(r.recipient, r.verdict.category) for r in records] == [
        ("hanako@example.jp", "user-unknown")
    ]


def test_a_binary_file_in_a_folder_of_bounces_is_named_once(invoke: Invoke, tmp_path: Path) -> None:
    folder = tmp_path / "bounces"
    folder.mkdir()
    (folder / "bounce.eml").write_bytes(BOUNCE.format(charset="iso-2022-jp").encode("iso-2022-jp"))
    (folder / "Thumbs.db").write_bytes(RANDOM)
    (folder / ".DS_Store").write_bytes(RANDOM)  # hidden: not read, not named
    result = invoke("scan", "--format", "plain", str(folder))
    assert result.exit_code == 2
    assert len(result.stdout.splitlines()) == 1
    assert result.stderr.splitlines() == [
        f"smtpcodes: {folder / 'Thumbs.db'}: binary data, not text (--as log reads the lines it can)"
    ]


# -- plain output shows a reply's tab as explain does --------------------------------------------

TAB_LINE = (
    "Nov 20 10:00:00 mx postfix/smtp[1]: ABC1: to=<a@b.example>, relay=x[192.0.2.1]:25,"
    " delay=1, dsn=5.1.1, status=bounced (host x said: 550 5.1.1 user\tunknown\there)\n"
)


def test_scan_plain_escapes_a_tab_in_the_reply_as_explain_does(
    invoke: Invoke, tmp_path: Path
) -> None:
    log = tmp_path / "mail.log"
    log.write_text(TAB_LINE)
    scanned = invoke("scan", "--format", "plain", str(log))
    assert scanned.exit_code == 0
    [line] = scanned.stdout.splitlines()
    assert line.split("\t")[-1] == "user\\tunknown\\there"
    explained = invoke("explain", "--format", "plain", "-f", str(log))
    assert "user\\tunknown\\there" in explained.stdout.split("\t")[0]
    # JSON's text stays as the rules read it.
    [record] = [json.loads(x) for x in invoke("scan", str(log)).stdout.splitlines()]
    assert record["text"] == "user unknown here"


def test_written_text_falls_back_to_the_text_when_it_is_not_found() -> None:
    from smtpcodes.parse import Reply
    from smtpcodes.scan import written_text

    assert written_text(Reply("user unknown", "550 user\tunknown")) == "user\tunknown"
    assert written_text(Reply("user unknown", "550 user unknown")) == "user unknown"
    assert written_text(Reply("a b", "550-a\r\n550 b\t")) == "a b"  # a multi-line reply
    assert written_text(Reply("", "550\t")) == ""
    # Prose wrapped over lines is one line still; a tab inside a line stays.
    assert written_text(Reply("a b c d", "550 a\tb\n\tc\r\n d")) == "a\tb c d"
