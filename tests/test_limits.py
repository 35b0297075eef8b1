"""Limits: how much of an input is read, and the report of anything a limit cut (issue 5).

Nothing is cut silently: the library records every cut in limits.applied()'s report, and the
CLI names it on stderr (one line each) and exits 1. The size tests run scaled-down versions of
benchmarks/big_inputs.py (a 30 MB line, a 30 MB email, 2,000 MIME parts, an mbox of 2,000
bounces) as child processes and check their peak RSS.
"""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import benchmark
from test_hostile import check, cli

from smtpcodes import limits
from smtpcodes.bounce import iter_messages, parse_message
from smtpcodes.limits import Limits, cut_long_lines, read_at_most
from smtpcodes.parse import parse_text, scan_units
from smtpcodes.validate import validate, validate_lines

BOUNCE = (
    b"From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\n"
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
    b"--b\nContent-Type: text/plain\n\n<a@example.com>: 550 5.1.1 user unknown\n\n"
    b"--b\nContent-Type: message/delivery-status\n\n"
    b"Final-Recipient: rfc822; a@example.com\nAction: failed\nStatus: 5.1.1\n"
    b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\n\n--b--\n"
)


def cuts(report: limits.Report) -> list[str]:
    return [cut.limit for cut in report.cuts]


# --- the limits themselves ------------------------------------------------------------------------


def test_defaults_are_the_documented_constants() -> None:
    assert limits.current() == Limits(
        max_bytes=1 << 20, max_line=64 << 10, max_parts=1000, max_depth=20, max_items=1000
    )
    assert limits.MAX_BYTES == 1 << 20 and limits.MAX_ITEMS == 1000


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_a_limit_below_one_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="max_line"), limits.applied(Limits(max_line=bad)):  # type: ignore[arg-type]
        pass


def test_applied_nests_and_restores() -> None:
    with limits.applied(Limits(max_line=10)) as outer:
        with limits.applied(Limits(max_line=20)) as inner:
            assert limits.current().max_line == 20
            cut_long_lines("x" * 30)
        assert limits.current().max_line == 10
        assert inner.total == 1 and outer.total == 0
    assert limits.current().max_line == limits.MAX_LINE


def test_threads_see_the_defaults_not_another_threads_limits() -> None:
    seen: list[int] = []
    with limits.applied(Limits(max_items=3)):
        worker = threading.Thread(target=lambda: seen.append(limits.current().max_items))
        worker.start()
        worker.join()
    assert seen == [limits.MAX_ITEMS]


def test_without_a_report_a_cut_is_a_warning_at_the_callers_line() -> None:
    # No applied() block to record into: a library caller still hears of the cut.
    with pytest.warns(limits.LimitWarning, match="only the first 65,536 were read") as caught:
        assert len(cut_long_lines("x" * (limits.MAX_LINE + 5))) == limits.MAX_LINE
    assert caught[0].filename == __file__
    with pytest.warns(limits.LimitWarning, match="stopped after 1,000"):
        from smtpcodes.diagnose import diagnose

        assert len(diagnose("550 5.1.1 x\n" * 2000)) == 1000


def test_the_report_keeps_the_first_cuts_and_counts_all() -> None:
    with limits.applied() as report:
        for i in range(limits.KEEP + 50):
            limits.record("max_line", f"cut {i}")
    assert report.total == limits.KEEP + 50 and len(report.cuts) == limits.KEEP
    assert len(report.take()) == limits.KEEP and report.take() == []


def test_cut_long_lines_keeps_short_text_and_every_line_break() -> None:
    text = "a\r\nbb\rccc\n"
    with limits.applied(Limits(max_line=3)) as report:
        assert cut_long_lines(text) is text
        assert cut_long_lines("abcdef\r\nxy\rghijk\nlm") == "abc\r\nxy\rghi\nlm"
    assert [c.message for c in report.cuts] == [
        "line 1 has 6 characters; only the first 3 were read (--max-line)",
        "line 3 has 5 characters; only the first 3 were read (--max-line)",
    ]


def test_read_at_most_reads_in_chunks() -> None:
    assert read_at_most(io.BytesIO(b"abc"), 3) == (b"abc", False)
    assert read_at_most(io.BytesIO(b"abcd"), 3) == (b"abc", True)
    # BufferedReader.read(n) would allocate n bytes first: MemoryError for a generous limit.
    with open(__file__, "rb") as f:
        data, more = read_at_most(f, 1 << 62)
    assert not more and data.startswith(b'"""Limits')


# --- the readers record what they cut -------------------------------------------------------------


def test_parse_text_cuts_long_lines() -> None:
    with limits.applied(Limits(max_line=100)) as report:
        (reply,) = parse_text("550 5.1.1 user unknown " + "x" * 500)
    assert reply.reply_code == "550" and len(reply.raw) == 100
    assert cuts(report) == ["max_line"]


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("codes", "550 " * 50),
        ("reply", "550 x\n\n" * 50),
        (
            "log",
            "Nov 20 10:00:01 mx postfix/smtp[1]: 4BxyzQ: to=<a@b.c>, status=bounced (550 x)\n" * 50,
        ),
    ],
)
def test_parse_text_reports_at_most_max_items(kind: str, text: str) -> None:
    with limits.applied(Limits(max_items=10)) as report:
        replies = parse_text(text, kind)
    assert len(replies) == 10
    assert "max_items" in cuts(report)


def test_scan_units_stops_at_max_items() -> None:
    with limits.applied(Limits(max_items=5)) as report:
        units = scan_units(["550 x", "", "prose"] * 100)
    assert len(units) == 5
    assert report.cuts[0].message.startswith("stopped after 5 replies and paragraphs; the last ")


def test_parse_message_reads_max_bytes() -> None:
    data = BOUNCE + b"x" * 5000
    with limits.applied(Limits(max_bytes=len(BOUNCE))) as report:
        (reply,) = parse_message(data)
    assert reply.recipient == "a@example.com"
    assert report.cuts[0].message == (
        f"a message larger than {len(BOUNCE):,} bytes; only its first {len(BOUNCE):,} were read "
        "(--max-bytes)"
    )


def test_parse_message_reads_max_parts() -> None:
    parts = b"".join(
        b"--p\nContent-Type: text/plain\n\n<u%d@example.com>: 550 5.1.1 user unknown\n" % i
        for i in range(30)
    )
    data = b"From: MAILER-DAEMON@example.org\nContent-Type: multipart/mixed; boundary=p\n\n"
    with limits.applied(Limits(max_parts=10)) as report:
        replies = parse_message(data + parts + b"--p--\n")
    assert len(replies) == 10
    assert cuts(report) == ["max_parts"]
    with limits.applied(Limits(max_parts=10)) as report:
        parse_message(data + parts)  # no closing delimiter: the last part runs to the end
    assert cuts(report) == ["max_parts"]
    with limits.applied(Limits(max_parts=30)) as report:
        assert len(parse_message(data + parts + b"--p--\n")) == 30
    assert not report


def test_parse_message_reads_max_depth() -> None:
    nested = b""
    for level in range(40):
        nested += b"Content-Type: multipart/mixed; boundary=l%d\n\n--l%d\n" % (level, level)
    data = b"From: MAILER-DAEMON@example.org\nSubject: Undelivered\n" + nested + b"\n550 5.1.1 x\n"
    with limits.applied() as report:
        parse_message(data)
    assert cuts(report) == ["max_depth"]


def test_parse_message_reports_at_most_max_items_recipients() -> None:
    fields = b"".join(
        b"Final-Recipient: rfc822; u%d@example.com\nAction: failed\nStatus: 5.1.1\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\n\n" % i
        for i in range(40)
    )
    data = BOUNCE.replace(b"Final-Recipient: rfc822; a@example.com", fields)
    with limits.applied(Limits(max_items=25)) as report:
        assert len(parse_message(data)) == 25
    assert "max_items" in cuts(report)


def test_a_huge_header_is_cut_not_decoded_whole() -> None:
    data = BOUNCE.replace(b"Subject: Undelivered Mail", b"Subject: " + b"=?utf-8?q?a?= " * 20000)
    with limits.applied() as report:
        (reply,) = parse_message(data)
    assert reply.recipient == "a@example.com"
    assert report.cuts[0].message.startswith("a subject: field of 279,999 characters")


def test_mbox_messages_and_lines_are_read_in_bounded_pieces(tmp_path: Path) -> None:
    mbox = tmp_path / "box.mbox"
    huge_line = b"x" * (3 << 20)
    mbox.write_bytes(
        b"From MAILER-DAEMON Thu Nov 20 10:00:01 2026\n" + BOUNCE + huge_line + b"\n\n"
        b"From MAILER-DAEMON Thu Nov 20 10:00:02 2026\n" + BOUNCE
    )
    with limits.applied(Limits(max_bytes=1 << 20)) as report:
        found = list(iter_messages(str(mbox)))
    assert [len(replies) for _, replies in found] == [1, 1]
    assert cuts(report) == ["max_bytes"]


def test_maildir_files_are_read_to_max_bytes(tmp_path: Path) -> None:
    new = tmp_path / "new"
    new.mkdir()
    (new / "1.eml").write_bytes(BOUNCE + b"y" * 10000)
    with limits.applied(Limits(max_bytes=len(BOUNCE) + 10)) as report:
        ((_, replies),) = list(iter_messages(str(tmp_path)))
    assert len(replies) == 1 and cuts(report) == ["max_bytes"]


def test_validate_reports_at_most_max_items() -> None:
    with limits.applied(Limits(max_items=4)) as report:
        assert len(validate("codes 550, 551, 552, 553, 554, 421")) == 4
        assert len(validate_lines("550\n" * 10)) == 4
    assert cuts(report) == ["max_items", "max_items"]


# --- the CLI names every cut on stderr and exits 1 --------------------------------------------


def test_explain_max_bytes_on_stdin() -> None:
    ran = cli(
        ["explain", "-", "--max-bytes", "32", "--format", "json"], b"550 5.1.1 user unknown " * 10
    )
    check(ran, "json")
    assert ran.status == 1
    assert ran.err == (
        "smtpcodes: standard input: more than 32 bytes; only the first 32 were read (--max-bytes)\n"
    )
    assert json.loads(ran.out)[0]["enhanced_code"] == "5.1.1"  # what was read is still explained


def test_explain_max_line_and_suffixes() -> None:
    ran = cli(["explain", "-", "--max-line", "1K", "--format", "plain"], b"550 x" + b"y" * 5000)
    assert ran.status == 1
    assert "line 1 has 5,005 characters; only the first 1,024 were read (--max-line)" in ran.err
    assert cli(["explain", "550", "--max-line", "64KiB"]).status == 0


def test_explain_max_bytes_on_an_argument() -> None:
    ran = cli(["explain", "--max-bytes", "10", "--format", "plain", "550 5.1.1 user unknown"])
    assert ran.status == 1
    assert ran.err.startswith("smtpcodes: '550 5.1.1 user unknown': more than 10 bytes")


def test_explain_max_parts_and_max_items_on_a_file(tmp_path: Path) -> None:
    path = tmp_path / "parts.eml"
    BIG.many_parts(path, 40)
    ran = cli(["explain", "-f", str(path), "--max-parts", "5", "--format", "jsonl"])
    check(ran, "jsonl")
    assert ran.status == 1 and len(ran.out.splitlines()) == 5
    assert "more than 5 parts; only the first 5 were read (--max-parts)" in ran.err
    ran = cli(["explain", "-f", str(path), "--max-items", "7", "--format", "jsonl"])
    assert ran.status == 1 and len(ran.out.splitlines()) == 7
    assert "only the first 7 were read (--max-items)" in ran.err


def test_explain_stops_an_mbox_at_max_items(tmp_path: Path) -> None:
    path = tmp_path / "box.mbox"
    BIG.big_mbox(path, 30)
    ran = cli(["explain", "-f", str(path), "--max-items", "12", "--format", "jsonl"])
    check(ran, "jsonl")
    assert ran.status == 1 and len(ran.out.splitlines()) == 12
    assert ran.err == (
        f"smtpcodes: {path}: stopped after 12 items; the rest was not read (--max-items; "
        "smtpcodes scan reads any number)\n"
    )


def test_many_cuts_are_named_up_to_twenty(tmp_path: Path) -> None:
    new = tmp_path / "maildir" / "new"
    new.mkdir(parents=True)
    for i in range(30):
        (new / f"{i:02d}.eml").write_bytes(BOUNCE + b"z" * 100)
    ran = cli(["explain", "-f", str(tmp_path / "maildir"), "--max-bytes", str(len(BOUNCE))])
    lines = ran.err.splitlines()
    assert ran.status == 1 and len(lines) == 21
    assert lines[-1] == "smtpcodes: 10 more cuts by the limits, not named one by one"


def test_validate_max_bytes_and_max_items() -> None:
    ran = cli(["validate", "--lines", "--max-items", "2", "--format", "plain", "-"], b"550 a\n" * 5)
    assert ran.status == 1 and len(ran.out.splitlines()) == 2
    assert "from line 3 on were not checked (--max-items)" in ran.err
    ran = cli(["validate", "--max-bytes", "8", "-"], b"550 5.1.1 ok\r\n")
    assert ran.status == 1 and "only the first 8 were read" in ran.err


@pytest.mark.parametrize(
    "option",
    [["--max-bytes", "0"], ["--max-line", "-1"], ["--max-bytes", "1Q"], ["--max-items", "0"]],
)
def test_bad_limit_values_are_usage_errors(option: list[str]) -> None:
    ran = cli(["explain", *option, "550"])
    assert ran.status == 2
    assert len(ran.err.splitlines()) == 1 and "Invalid value" in ran.err


def test_a_generous_limit_does_not_allocate_it() -> None:
    ran = cli(
        ["explain", "-", "--max-bytes", "64G", "--format", "plain"], b"550 5.1.1 user unknown"
    )
    assert ran.status == 0, ran.err


# --- scaled-down sizes, as child processes ----------------------------------------------------------


BIG = benchmark("big_inputs")
# The interpreter, Click and the data files take about 25 MB, a thousand verdicts about 35 MB more;
# holding one of the 30 MB inputs below whole (as bytes, then as text) would take 60 MB more.
RSS_MB = 60


def test_a_30_mb_single_line(tmp_path: Path) -> None:
    path = tmp_path / "line.txt"
    BIG.single_line(path, 30 << 20)
    m = BIG.measure(["<", "explain", "-", "--format", "json"], path, BIG.script())
    assert m.status == 1, m.stderr
    assert "more than 1,048,576 bytes; only the first 1,048,576 were read" in m.stderr
    assert m.peak_rss_mb < RSS_MB
    m = BIG.measure(["scan", "{file}", "--summary", "--json"], path, BIG.script())
    assert "line longer than" in m.stderr and m.peak_rss_mb < RSS_MB


def test_a_30_mb_email(tmp_path: Path) -> None:
    path = tmp_path / "big.eml"
    BIG.big_email(path, 30 << 20)
    m = BIG.measure(["explain", "-f", "{file}", "--format", "json"], path, BIG.script())
    assert m.status == 1, m.stderr
    assert "more than 1,048,576 bytes; only the first 1,048,576 were read" in m.stderr
    assert m.peak_rss_mb < RSS_MB


def test_2000_mime_parts(tmp_path: Path) -> None:
    path = tmp_path / "parts.eml"
    BIG.many_parts(path, 2000)
    m = BIG.measure(["explain", "-f", "{file}", "--format", "jsonl"], path, BIG.script())
    assert m.status == 1, m.stderr
    assert "more than 1,000 parts; only the first 1,000 were read (--max-parts)" in m.stderr
    assert m.peak_rss_mb < RSS_MB + 40  # a thousand verdicts


def test_an_mbox_of_2000_bounces(tmp_path: Path) -> None:
    path = tmp_path / "bounces.mbox"
    BIG.big_mbox(path, 2000)
    m = BIG.measure(["explain", "-f", "{file}", "--format", "jsonl"], path, BIG.script())
    assert m.status == 1 and "stopped after 1,000 items" in m.stderr
    assert m.peak_rss_mb < RSS_MB
    m = BIG.measure(["scan", "{file}", "--summary", "--json"], path, BIG.script())
    assert m.status == 0, m.stderr
    assert m.peak_rss_mb < RSS_MB


class _Terminal(io.RawIOBase):
    """A terminal: the user pasted a line and pressed Ctrl-D once; one more read would wait."""

    def __init__(self) -> None:
        self.reads = [b"550 5.1.1 User unknown\n", b""]

    def readable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self.reads:
            raise AssertionError("read again after Ctrl-D: the user must press it a second time")
        chunk = self.reads.pop(0)
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_one_ctrl_d_ends_what_is_read_from_a_terminal() -> None:
    stream = io.BufferedReader(_Terminal())
    assert limits.read_at_most(stream, 1000) == (b"550 5.1.1 User unknown\n", False)
