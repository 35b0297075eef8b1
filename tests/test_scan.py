"""Scanning logs and mailboxes: records and where they were found, problems, summary, CLI."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Invoke

from smtpcodes import limits
from smtpcodes import scan as scan_module
from smtpcodes.limits import Limits
from smtpcodes.parse import parse_log_line
from smtpcodes.scan import (
    BoundedCounter,
    ScanItem,
    ScanProblem,
    ScanRecord,
    Summary,
    normalize_reason,
    scan,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scan"
POSTFIX = str(FIXTURES / "postfix.log")
EXIM = str(FIXTURES / "exim.log")
SENDMAIL = str(FIXTURES / "sendmail.log")
MBOX = str(FIXTURES / "bounces.mbox")
MAILDIR = str(FIXTURES / "maildir")
ALL = [POSTFIX, EXIM, SENDMAIL, MBOX, MAILDIR]
RECORD_KEYS = ("file", "line", "message", "queue_id", "recipient", "time", "status")


def _scan(*paths: str, **kwargs: object) -> tuple[list[ScanRecord], list[ScanProblem], Summary]:
    summary = Summary()
    items = list(scan(paths, summary=summary, **kwargs))  # type: ignore[arg-type]
    records = [i for i in items if isinstance(i, ScanRecord)]
    problems = [i for i in items if isinstance(i, ScanProblem)]
    return records, problems, summary


# -- logs ------------------------------------------------------------------------------------------


def test_postfix_log() -> None:
    records, problems, summary = _scan(POSTFIX)
    found = {(r.line, r.queue_id, r.recipient, r.status) for r in records}
    assert found == {
        (6, "4QxY7b1R2kz9rKw", "alice@gmail.com", "failed"),
        (8, "4QxY7b1R2kz9rKw", "carol@yahoo.com", "deferred"),
        (10, None, "postmaster@example.org", "failed"),  # smtpd NOQUEUE reject
        (11, "4QxY8c2S3lz1aBc", "dave@gmail.com", "failed"),
    }
    first = records[0]
    assert first.file == POSTFIX and first.time == "Nov 20 06:25:02" and first.message is None
    assert first.verdict.reply_code == "550" and first.verdict.enhanced_code == "5.1.1"
    assert first.location == f"{POSTFIX}:6"
    # The truncated delivery line is a problem; the qmgr "status=expired" line is not a delivery.
    assert [(p.line, p.kind) for p in problems] == [(12, "malformed")]
    assert summary.lines == 13 and summary.deliveries == 5 and summary.delivered == 1
    assert (summary.failures, summary.deferrals, summary.problems) == (3, 1, 1)


def test_successes_are_counted_not_emitted() -> None:
    records, _, summary = _scan(POSTFIX, EXIM, SENDMAIL)
    assert "bob@outlook.com" not in {r.recipient for r in records}
    assert "frank@gmail.com" not in {r.recipient for r in records}
    assert "judy@example.net" not in {r.recipient for r in records}
    assert summary.delivered == 3


def test_exim_log() -> None:
    records, problems, summary = _scan(EXIM)
    assert not problems
    assert [(r.line, r.queue_id, r.recipient, r.status, r.time) for r in records] == [
        (3, "1tDxyz-000Abc-3F", "grace@gmx.de", "failed", "2026-11-20 06:25:03"),
        (4, "1tDxyz-000Abc-3F", "heidi@orange.fr", "deferred", "2026-11-20 06:25:04"),
    ]
    assert summary.delivered == 1 and summary.lines == 5


def test_sendmail_log() -> None:
    records, problems, _ = _scan(SENDMAIL)
    assert not problems
    assert [(r.line, r.queue_id, r.recipient, r.status) for r in records] == [
        (2, "4AKA01xx012345", "ivan@icloud.com", "failed"),
        (4, "4AKA01xx012346", "mallory@example.com", "deferred"),
    ]


def test_record_json_is_the_verdict_plus_where() -> None:
    records, _, _ = _scan(POSTFIX)
    data = records[0].to_json()
    verdict = records[0].verdict.to_json()
    for key, value in verdict.items():
        if key not in (*RECORD_KEYS, "location"):
            assert data[key] == value, key
    assert {k: data[k] for k in RECORD_KEYS} == {
        "file": POSTFIX,
        "line": 6,
        "message": None,
        "queue_id": "4QxY7b1R2kz9rKw",
        "recipient": "alice@gmail.com",
        "time": "Nov 20 06:25:02",
        "status": "failed",
    }
    assert data["location"] == f"{POSTFIX}:6"
    json.dumps(data)


def test_a_parser_that_raises_is_a_problem_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    def flaky(line: str) -> object:
        if "carol@yahoo.com" in line:
            raise RuntimeError("boom")
        return parse_log_line(line)

    monkeypatch.setattr("smtpcodes.scan.parse_log_line", flaky)
    records, problems, summary = _scan(POSTFIX)
    assert [(p.line, p.kind) for p in problems] == [(8, "error"), (12, "malformed")]
    assert "RuntimeError: boom" in problems[0].reason
    assert len(records) == 3 and summary.problems == 2


def test_an_overlong_line_is_cut_read_and_numbering_goes_on() -> None:
    line = (FIXTURES / "postfix.log").read_bytes().splitlines(keepends=True)[5]
    assert b"alice@gmail.com" in line  # a bounce: its start says who, and the code
    data = line[:-1] + b" " + b"x" * 300 + b"\n" + (FIXTURES / "sendmail.log").read_bytes()
    records, problems, summary = _scan("-", stdin=io.BytesIO(data), limits=Limits(max_line=250))
    assert [(p.line, p.kind) for p in problems] == [(1, "cut")]
    assert "longer than 250 bytes; only the first 250 were read (--max-line)" in problems[0].reason
    assert (records[0].line, records[0].recipient) == (1, "alice@gmail.com")
    assert [r.line for r in records[1:]] == [3, 5]  # the sendmail lines, numbered after it
    assert summary.cut == 1 and summary.totals()["cut"] == 1


def test_the_default_line_limit_is_the_one_explain_uses() -> None:
    data = b"x" * (limits.MAX_LINE + 10) + b"\n"
    _, problems, summary = _scan("-", stdin=io.BytesIO(data))
    assert [(p.line, p.kind) for p in problems] == [(1, "cut")]
    assert summary.lines == 1


def test_bad_limits_are_a_value_error() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        scan([POSTFIX], limits=Limits(max_bytes=0))


def test_gzip_log_and_stdin(tmp_path: Path) -> None:
    packed = tmp_path / "mail.log.1.gz"
    packed.write_bytes(gzip.compress((FIXTURES / "exim.log").read_bytes()))
    records, _, _ = _scan(str(packed))
    assert [r.recipient for r in records] == ["grace@gmx.de", "heidi@orange.fr"]
    records, _, _ = _scan("-", stdin=io.BytesIO((FIXTURES / "sendmail.log").read_bytes()))
    assert [(r.file, r.line) for r in records] == [("-", 2), ("-", 4)]
    assert records[0].location == "standard input:2"


def test_undecodable_bytes_do_not_stop_a_log() -> None:
    data = b"\xff\xfe garbage \x00\x01\n" + (FIXTURES / "sendmail.log").read_bytes()
    records, problems, _ = _scan("-", stdin=io.BytesIO(data))
    assert len(records) == 2 and not problems


# -- mailboxes -------------------------------------------------------------------------------------


def test_mbox() -> None:
    records, problems, summary = _scan(MBOX)
    assert not problems
    assert [(r.message, r.recipient, r.status, r.queue_id) for r in records] == [
        (1, "kim@gmail.com", "failed", "4QxZ0001"),
        (3, "leo@example.com", "deferred", "4QxZ0002"),
    ]
    assert records[0].location == f"{MBOX}#1" and records[0].line == 1
    assert records[0].verdict.enhanced_code == "5.2.2"
    assert summary.messages == 3 and summary.other == 1  # the out-of-office reply


def test_maildir_skips_tmp_and_index_files() -> None:
    records, problems, summary = _scan(MAILDIR)
    assert not problems
    assert sorted((Path(r.file).parent.name, r.recipient) for r in records) == [
        ("cur", "kim@gmail.com"),
        ("new", "leo@example.com"),
    ]
    # two bounces and a plain message; tmp/ and dovecot-uidlist are skipped
    assert summary.messages == 3
    assert all(r.line is None and r.message is None for r in records)


def test_a_folder_of_eml_files_recursively(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(Path(MAILDIR) / "cur" / "1700000001.M1P1.mail", tmp_path / "a" / "b" / "one.eml")
    shutil.copy(Path(MAILDIR) / "new" / "1700000002.M2P2.mail", tmp_path / "two.eml")
    shutil.copy(EXIM, tmp_path / "a" / "exim.log")
    records, _, summary = _scan(str(tmp_path))
    assert sorted(r.recipient or "" for r in records) == [
        "grace@gmx.de",
        "heidi@orange.fr",
        "kim@gmail.com",
        "leo@example.com",
    ]
    assert summary.messages == 2 and summary.lines == 5


def test_mbox_on_stdin() -> None:
    records, _, _ = _scan("-", stdin=io.BytesIO(Path(MBOX).read_bytes()))
    assert [(r.file, r.message) for r in records] == [("-", 1), ("-", 3)]


def test_kind_forces_how_files_are_read() -> None:
    records, _, summary = _scan(MBOX, kind="log")
    assert records == [] and summary.messages == 0 and summary.lines > 0
    with pytest.raises(ValueError):
        scan([MBOX], kind="bogus")


# -- unreadable input ------------------------------------------------------------------------------


class _FailingStream(io.RawIOBase):
    """A stream that gives some data, then fails like a disk or a network would."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if not self.data:
            raise OSError(5, "Input/output error")
        n = min(len(buffer), len(self.data), 64)
        buffer[:n] = self.data[:n]
        self.data = self.data[n:]
        return n


def test_missing_path_is_unreadable_and_the_rest_is_scanned(tmp_path: Path) -> None:
    records, problems, summary = _scan(str(tmp_path / "nope.log"), SENDMAIL)
    assert [p.kind for p in problems] == ["unreadable"]
    assert "nope.log" in str(problems[0]) and "No such file" in problems[0].reason
    assert len(records) == 2 and summary.unreadable == 1


def test_read_error_midway_keeps_what_was_read() -> None:
    stream = io.BufferedReader(_FailingStream(Path(SENDMAIL).read_bytes()), buffer_size=64)
    records, problems, summary = _scan("-", stdin=stream)
    assert len(records) == 2
    assert [p.kind for p in problems] == ["unreadable"] and summary.unreadable == 1


# -- streaming and memory --------------------------------------------------------------------------


class _GeneratorStream(io.RawIOBase):
    """A binary stream fed by a generator, to see how far the scan has read."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if not self.pending:
            self.pending = next(self.chunks, b"")
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def test_records_come_before_the_input_ends() -> None:
    produced = 0
    failure = Path(SENDMAIL).read_bytes().splitlines(keepends=True)[1]
    noise = b"Nov 20 06:25:01 mail sm-mta[3101]: connect from somewhere\n" * 200

    def chunks() -> Iterator[bytes]:
        nonlocal produced
        for _ in range(1000):
            produced += 1
            yield failure + noise

    stream = io.BufferedReader(_GeneratorStream(chunks()))
    items = scan(["-"], stdin=stream)
    first = next(items)
    assert isinstance(first, ScanRecord) and first.line == 1
    assert produced < 10  # the scan has not read ahead to the end
    items.close()


def _big_log(path: Path, copies: int) -> None:
    block = b"".join(Path(p).read_bytes() for p in (POSTFIX, EXIM, SENDMAIL))
    noise = b"Nov 20 06:25:01 mail postfix/smtpd[2101]: connect from unknown[203.0.113.5]\n" * 40
    with open(path, "wb") as f:
        for _ in range(copies):
            f.write(block + noise)


def test_memory_stays_flat(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    _big_log(log, 150)  # about 1 MB, 9,300 lines
    summary = Summary()
    for _ in scan([POSTFIX], summary=summary):  # load the data files before measuring
        pass
    tracemalloc.start()
    try:
        summary = Summary()
        count = sum(1 for item in scan([str(log)], summary=summary) if isinstance(item, ScanRecord))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 150 * 8 and summary.lines == 150 * (13 + 5 + 4 + 40)
    assert peak < 500_000, peak  # the file is 1 MB: it was not held, nor were the records


# -- the summary -----------------------------------------------------------------------------------


def test_summary_counts() -> None:
    _, _, summary = _scan(*ALL)
    data = summary.to_json()
    assert data["totals"] == {
        "inputs": 7,
        "lines": 22,
        "messages": 6,
        "deliveries": 16,
        "delivered": 3,
        "failures": 7,
        "deferrals": 5,
        "other": 1,
        "problems": 1,
        "unreadable": 0,
        "cut": 0,
    }
    assert sum(data["by_category"].values()) == 12  # type: ignore[attr-defined]
    assert data["by_class"] == {"permanent": 7, "transient": 5}
    by_bounce = data["by_bounce"]
    assert isinstance(by_bounce, dict) and set(by_bounce) <= {"hard", "soft"}
    assert sum(by_bounce.values()) == 12  # every failure and deferral is hard or soft
    assert data["by_domain"]["gmail.com"] == 4  # type: ignore[index]
    assert data["by_provider"]["Gmail / Google Workspace"] == 4  # type: ignore[index]
    reasons = data["top_reasons"]
    assert isinstance(reasons, list)
    # the same Gmail reply, from an mbox and a Maildir, with different ids: one reason
    (gmail,) = [r for r in reasons if "inbox is out of storage space" in r["reason"]]
    assert gmail["count"] == 2
    assert "<id>" in gmail["reason"] and gmail["example"]["location"] == f"{MBOX}#1"
    assert gmail["reply_code"] == "552" and gmail["enhanced_code"] == "5.2.2"
    assert data["problems"] == [
        {
            "kind": "malformed",
            "reason": "a delivery line that cannot be read",
            "file": POSTFIX,
            "line": 12,
            "message": None,
            "location": f"{POSTFIX}:12",
        }
    ]
    json.dumps(data)


def test_normalize_reason_keeps_codes_and_drops_ids() -> None:
    a = "go to https://support.google.com/mail/?p=NoSuchUser a640c23a62f3a-a9si1234567b.4 - gsmtp"
    b = "go to https://support.google.com/mail/?p=NoSuchUser 5b1f17b1804b1-4dsi7654321f.1 - gsmtp"
    assert normalize_reason(a) == normalize_reason(b)
    assert normalize_reason("Too many connections OFR005_104 [104]") == (
        "Too many connections OFR005_104 [104]"
    )
    assert normalize_reason("from 198.51.100.25 for <bob@example.com> (#5.1.1)") == (
        "from <ip> for <address> (#5.1.1)"
    )


def test_bounded_counter_keeps_frequent_keys_and_exact_totals() -> None:
    counter = BoundedCounter(capacity=10)
    for i in range(1000):
        counter.add("frequent")
        counter.add(f"rare-{i}")
    assert len(counter.counts) < 20
    assert counter.counts["frequent"] == 1000
    assert counter.total() == 2000
    shown = counter.to_json(limit=3)
    assert next(iter(shown)) == "frequent" and sum(shown.values()) == 2000


def test_summary_without_counters_keeps_the_totals() -> None:
    _, _, full = _scan(*ALL)
    lean = Summary(counters=False)
    items = list(scan(ALL, summary=lean))
    assert lean.totals() == full.totals()
    assert [str(p) for p in lean.problem_examples] == [str(p) for p in full.problem_examples]
    assert lean.found and lean.by_category.total() == 0 and lean.top_reasons() == []
    assert any(isinstance(i, ScanRecord) for i in items)


def test_summary_memory_is_bounded() -> None:
    summary = Summary(capacity=50)
    records, _, _ = _scan(POSTFIX)
    for i in range(5000):
        summary.by_domain.add(f"d{i}.example")
        summary._add_reason(records[0], records[0].verdict, records[0].verdict.reply)
    assert len(summary.by_domain.counts) < 100
    assert summary.by_domain.total() == 5000


def _bounce_with_parts(parts: int, filler: int = 0) -> bytes:
    """A DSN for kim@gmail.com followed by `parts` text parts and `filler` bytes of attachment."""
    dsn = (Path(MAILDIR) / "cur" / "1700000001.M1P1.mail").read_bytes()
    assert b"multipart/report" in dsn
    boundary = dsn.split(b'boundary="', 1)[1].split(b'"', 1)[0]
    extra = b"".join(
        b"--" + boundary + b"\nContent-Type: text/plain\n\npart %d\n" % i for i in range(parts)
    )
    if filler:
        extra += b"--" + boundary + b"\nContent-Type: text/plain\n\n" + b"y" * filler + b"\n"
    closing = b"--" + boundary + b"--"
    return dsn.replace(closing, extra + closing)


def test_a_big_message_is_cut_and_still_diagnosed(tmp_path: Path) -> None:
    big = tmp_path / "big.eml"
    big.write_bytes(_bounce_with_parts(0, filler=50_000))
    mbox = tmp_path / "box.mbox"
    mbox.write_bytes(b"From a@b Sat Jan  1 00:00:00 2026\n" + big.read_bytes() + b"\n")
    for path, message in ((big, None), (mbox, 1)):
        records, problems, summary = _scan(str(path), limits=Limits(max_bytes=20_000))
        assert [r.recipient for r in records] == ["kim@gmail.com"], path
        assert [(p.kind, p.message) for p in problems] == [("cut", message)]
        assert "only its first 20,000 were read (--max-bytes)" in problems[0].reason
        assert summary.cut == 1
    records, problems, _ = _scan(str(big))  # the default limit, 1 MiB, leaves it whole
    assert not problems and len(records) == 1


def test_an_mbox_keeps_only_what_it_reads_of_a_huge_message(tmp_path: Path) -> None:
    mbox = tmp_path / "box.mbox"
    with mbox.open("wb") as out:
        out.write(b"From a@b Sat Jan  1 00:00:00 2026\n" + _bounce_with_parts(0))
        out.write((b"z" * 1000 + b"\n") * 20_000)  # 20 MB of body lines
        out.write(b"\nFrom a@b Sat Jan  1 00:00:00 2026\n" + _bounce_with_parts(0))
    tracemalloc.start()
    try:
        records, problems, _ = _scan(str(mbox), limits=Limits(max_bytes=100_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [r.message for r in records] == [1, 2]
    assert [(p.kind, p.message) for p in problems] == [("cut", 1)]
    assert peak < 5_000_000


def test_too_many_parts_are_cut_and_reported() -> None:
    data = _bounce_with_parts(30)
    records, problems, _ = _scan("-", stdin=io.BytesIO(data), limits=Limits(max_parts=10))
    assert [r.recipient for r in records] == ["kim@gmail.com"]
    assert [p.kind for p in problems] == ["cut"] and "--max-parts" in problems[0].reason


def test_cli_limit_options(invoke: Invoke, tmp_path: Path) -> None:
    big = tmp_path / "big.eml"
    big.write_bytes(_bounce_with_parts(0, filler=50_000))
    r = invoke("scan", str(big), "--max-bytes", "20K")
    assert r.exit_code == 0, r.stderr
    assert [i["recipient"] for i in _lines(r.stdout)] == ["kim@gmail.com"]
    assert (
        r.stderr
        == f"smtpcodes: {big}: a message larger than 20,480 bytes; only its first 20,480 were read (--max-bytes)\n"
    )
    r = invoke("scan", str(big), "--summary", "--json", "--max-bytes", "20K")
    assert json.loads(r.stdout)["totals"]["cut"] == 1
    r = invoke("scan", str(big), "--max-line", "0")
    assert r.exit_code == 2 and "--max-line" in r.stderr


# -- the command -----------------------------------------------------------------------------------


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_cli_jsonl_in_a_pipe(invoke: Invoke) -> None:
    r = invoke("scan", POSTFIX, EXIM)
    assert r.exit_code == 0, r.stderr
    items = _lines(r.stdout)
    assert [(i["line"], i["recipient"]) for i in items] == [
        (6, "alice@gmail.com"),
        (8, "carol@yahoo.com"),
        (10, "postmaster@example.org"),
        (11, "dave@gmail.com"),
        (3, "grace@gmx.de"),
        (4, "heidi@orange.fr"),
    ]
    for item in items:
        assert all(key in item for key in RECORD_KEYS)
    assert r.stderr.count("\n") == 1 and "postfix.log:12" in r.stderr  # the malformed line


def test_cli_json_array_and_plain(invoke: Invoke) -> None:
    r = invoke("scan", "--json", SENDMAIL)
    assert r.exit_code == 0
    assert [i["recipient"] for i in json.loads(r.stdout)] == [
        "ivan@icloud.com",
        "mallory@example.com",
    ]
    r = invoke("scan", "--format", "plain", SENDMAIL)
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert rows[0][:7] == [
        SENDMAIL,
        "2",
        "-",
        "Nov 20 06:25:02",
        "4AKA01xx012345",
        "ivan@icloud.com",
        "failed",
    ]


def test_cli_json_array_is_closed_when_empty(invoke: Invoke, tmp_path: Path) -> None:
    log = tmp_path / "quiet.log"
    log.write_text("Nov 20 06:25:01 mail postfix/smtpd[1]: connect from x[192.0.2.1]\n")
    r = invoke("scan", "--format", "json", str(log))
    assert r.exit_code == 1
    assert json.loads(r.stdout) == []
    assert "nothing recognisable" in r.stderr


def test_cli_summary_plain_and_json(invoke: Invoke) -> None:
    r = invoke("scan", "--summary", *ALL)
    assert r.exit_code == 0, r.stderr
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert ["total", "failures", "7"] in rows and ["total", "deferrals", "5"] in rows
    assert ["class", "permanent", "7"] in rows
    assert any(row[0] == "reason" and row[3:5] == ["552", "5.2.2"] for row in rows)
    assert ["problem", f"{POSTFIX}:12", "malformed", "a delivery line that cannot be read"] in rows
    r = invoke("scan", "--summary", "--json", *ALL)
    data = json.loads(r.stdout)
    assert data["totals"]["failures"] == 7 and data["by_domain"]["gmail.com"] == 4
    r = invoke("scan", "--summary", "--format", "jsonl", SENDMAIL)
    assert len(r.stdout.splitlines()) == 1 and json.loads(r.stdout)["totals"]["lines"] == 4


def test_cli_table_at_a_terminal(invoke: Invoke) -> None:
    r = invoke("scan", *ALL, stdout_tty=True)
    assert r.exit_code == 0
    assert "By category" in r.stdout and "Top reasons" in r.stdout and "gmail.com" in r.stdout
    assert "scanning" not in r.stderr  # no progress line when stderr is not a terminal


def test_cli_unreadable_path_exit_2_and_the_rest_scanned(invoke: Invoke, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.log")
    r = invoke("scan", missing, SENDMAIL)
    assert r.exit_code == 2
    assert missing in r.stderr
    assert len(_lines(r.stdout)) == 2


def test_cli_nothing_recognisable_exit_1(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\nworld\n")
    r = invoke("scan", str(tmp_path / "notes.txt"))
    assert r.exit_code == 1 and r.stdout == ""


def test_cli_stdin(invoke: Invoke) -> None:
    data = Path(EXIM).read_bytes()
    for args in (("scan", "-"), ("scan",)):
        r = invoke(*args, input=data)
        assert r.exit_code == 0
        assert [i["file"] for i in _lines(r.stdout)] == ["-", "-"]
    r = invoke("scan", stdin_tty=True)
    assert r.exit_code == 2 and "'-'" in r.stderr


def test_cli_problems_are_capped(invoke: Invoke, tmp_path: Path) -> None:
    bad = b"Nov 20 06:00:00 mail postfix/smtp[1]: 4QxY: to=<x@example.com, dsn=5.1.1, status=sent\n"
    log = tmp_path / "bad.log"
    log.write_bytes(bad * 25 + Path(SENDMAIL).read_bytes())
    r = invoke("scan", str(log))
    assert r.exit_code == 0
    lines = r.stderr.splitlines()
    assert len(lines) == 21 and "5 more problems not shown" in lines[-1]


def test_cli_interrupted_runs_leave_complete_output(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(line: str) -> object:
        if "mallory" in line:
            raise KeyboardInterrupt
        return parse_log_line(line)

    monkeypatch.setattr("smtpcodes.scan.parse_log_line", interrupt)
    r = invoke("scan", "--format", "json", SENDMAIL)
    assert r.exit_code == 130
    assert [i["recipient"] for i in json.loads(r.stdout)] == ["ivan@icloud.com"]
    r = invoke("scan", SENDMAIL)
    assert r.exit_code == 130
    assert [i["recipient"] for i in _lines(r.stdout)] == ["ivan@icloud.com"]


def test_cli_help_has_an_example(invoke: Invoke, capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke("scan", "--help")
    assert r.exit_code == 0
    shown = r.stdout + capsys.readouterr().out  # Click writes help to the process's stdout
    assert "Examples:" in shown and "smtpcodes scan /var/log/mail.log --summary" in shown


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _progress_run(
    monkeypatch: pytest.MonkeyPatch, path: str, columns: int = 100
) -> tuple[str, list[str]]:
    """scan PATH with stderr a terminal `columns` wide: stdout, and each drawing of the line."""
    from smtpcodes.cli import Environment, run

    monkeypatch.setattr(scan_module, "PROGRESS_EVERY", 2)
    monkeypatch.setenv("COLUMNS", str(columns))
    out, err = io.StringIO(), _Terminal()
    monkeypatch.setattr("sys.stderr", err)
    env = Environment(stdin=io.BytesIO(), stdout=out, stderr=err, stdout_isatty=False)
    assert run(["scan", path], env) == 0
    assert err.getvalue().endswith("\r")  # the status line is wiped before exiting
    drawn = [d.rstrip() for d in err.getvalue().split("\r") if d.strip()]
    return out.getvalue(), drawn


def test_cli_progress_on_a_terminal_stderr_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A name of known length, wherever the checkout is.
    shutil.copy(SENDMAIL, tmp_path / "sendmail.log")
    monkeypatch.chdir(tmp_path)
    out, drawn = _progress_run(monkeypatch, "sendmail.log")
    assert drawn and drawn[0].startswith("scanning sendmail.log: [")
    for line in drawn:  # a file: how much was read, and what was found
        assert re.fullmatch(r"scanning sendmail\.log: \[[#.]{20}\] +\d+% [\d,]+ lines, .*", line)
    assert "scanning" not in out
    assert len(_lines(out)) == 2


@pytest.mark.parametrize("columns", [100, 80, 60, 40])
def test_progress_shortens_a_long_path_and_keeps_the_bar(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, columns: int
) -> None:
    folder = tmp_path.joinpath(*["a-rather-long-folder-name"] * 8)
    folder.mkdir(parents=True)
    shutil.copy(SENDMAIL, folder / "sendmail.log")
    out, drawn = _progress_run(monkeypatch, str(folder / "sendmail.log"), columns)
    assert drawn and len(_lines(out)) == 2
    for line in drawn:
        assert len(line) < columns
        # The bar, the percentage and the count are whole; the name is cut in its middle.
        assert re.search(r"\[[#.]{20}\] +\d+% [\d,]+ lines", line), line
        if columns >= 60:
            assert "…" in line and "sendmail.log: [" in line, line


def test_progress_text_on_any_width() -> None:
    from smtpcodes.cli import progress_text, shorten_middle

    name = "/var/log/" + "x" * 200 + "/mail.log.2.gz"
    for width in range(160):
        text = progress_text(name, 0.5, "1,234 lines", ", 0 failures, 0 deferrals", width)
        assert len(text) <= width
        if width >= 30:
            assert re.search(r"\[#+\.+\]  50% 1,234 lines", text), (width, text)
        assert len(shorten_middle(name, width)) <= width
    assert shorten_middle(name, 30) == "/var/log/x…xxxxx/mail.log.2.gz"
    assert shorten_middle("/var/log/mail.log", 30) == "/var/log/mail.log"
    assert shorten_middle("/v/" + "y" * 40, 11) == "yyyyy…yyyyy"
    assert progress_text("-", None, "12 lines", ", 1 failures, 0 deferrals", 79) == (
        "scanning -: 12 lines, 1 failures, 0 deferrals"
    )


def test_progress_says_how_much_of_a_file_was_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module, "PROGRESS_EVERY", 2)
    calls: list[tuple[str, float | None]] = []
    items = list(scan([POSTFIX], progress=lambda name, done: calls.append((name, done))))
    assert items and calls
    fractions = [done for _, done in calls if done is not None]
    assert len(fractions) == len(calls) and all(0 <= d <= 1 for d in fractions)
    assert fractions == sorted(fractions)
    # A start and an end a progress bar can rely on, however short the file.
    assert (calls[0], calls[-1]) == ((POSTFIX, 0.0), (POSTFIX, 1.0))
    monkeypatch.setattr(scan_module, "PROGRESS_EVERY", 4096)
    calls.clear()
    list(scan([POSTFIX], progress=lambda name, done: calls.append((name, done))))
    assert calls == [(POSTFIX, 0.0), (POSTFIX, 1.0)]
    monkeypatch.setattr(scan_module, "PROGRESS_EVERY", 2)
    calls.clear()
    with open(POSTFIX, "rb") as f:
        list(scan(["-"], stdin=f, progress=lambda name, done: calls.append((name, done))))
    assert calls and all(done is None for _, done in calls)  # a stream: its size is not known


def test_real_pipe_and_exit_status() -> None:
    with open(EXIM, "rb") as stdin:
        r = subprocess.run(
            [sys.executable, "-m", "smtpcodes", "scan", "-", str(FIXTURES / "missing.log")],
            stdin=stdin,
            capture_output=True,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
    assert r.returncode == 2
    assert [json.loads(line)["recipient"] for line in r.stdout.splitlines()] == [
        "grace@gmx.de",
        "heidi@orange.fr",
    ]
    assert "missing.log" in r.stderr


def test_plain_and_json_never_load_rich() -> None:
    code = (
        "import sys, io\n"
        "from smtpcodes.cli import Environment, run\n"
        "for args in (['--summary'], ['--summary', '--json'], ['--format', 'jsonl']):\n"
        "    env = Environment(stdin=io.BytesIO(), stdout=io.StringIO(), stderr=io.StringIO(),"
        " stdin_isatty=False, stdout_isatty=False)\n"
        f"    assert run(['scan', *args, {SENDMAIL!r}], env) == 0\n"
        "assert 'rich' not in sys.modules, sorted(m for m in sys.modules if 'rich' in m)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


# -- Exchange message tracking logs ----------------------------------------------------------------

EXCHANGE = Path(__file__).resolve().parent / "fixtures" / "exchange"


def test_exchange_tracking_logs_are_told_apart_and_read() -> None:
    records, problems, summary = _scan(str(EXCHANGE))
    assert summary.inputs == 5 and summary.delivered == 8
    found = {
        (Path(r.file).name, r.line, r.recipient, r.status, r.verdict.category) for r in records
    }
    assert ("MSGTRK2026112010-1.LOG", 9, "nobody@contoso.test", "failed", "user-unknown") in found
    assert (
        "MSGTRK2026112010-1.LOG",
        14,
        "info@tailspin.example",
        "deferred",
        "greylisted",
    ) in found
    assert ("export.csv", 4, "nobody@contoso.test", "failed", "user-unknown") in found
    # One row, two recipients, each with its own status.
    row12 = {(r.recipient, r.verdict.category) for r in records if r.line == 12}
    assert row12 == {
        ("old.user@northwind.example", "user-unknown"),
        ("sales@northwind.example", "mailbox-full"),
    }
    assert all(r.verdict.reply.origin == "exchange" for r in records)
    assert sorted((Path(p.file).name, p.line, p.kind) for p in problems) == [
        ("MSGTRK2026112010-1.LOG", 17, "malformed"),
        ("export-pwsh7.csv", 2, "malformed"),  # recipients written as System.String[]
    ]
    unjoined = next(p for p in problems if p.file.endswith("export-pwsh7.csv"))
    assert "System.String[]" in unjoined.reason and "-join" in unjoined.reason


def test_exchange_with_a_bom_and_from_stdin() -> None:
    data = (EXCHANGE / "MSGTRK2026112010-1.LOG").read_bytes()
    bom = b"\xef\xbb\xbf" + data if not data.startswith(b"\xef\xbb\xbf") else data
    records, _, _ = _scan("-", stdin=io.BytesIO(bom))
    assert {r.recipient for r in records} >= {"nobody@contoso.test", "info@tailspin.example"}


def test_forcing_exchange_on_another_log_says_why_nothing_is_read() -> None:
    records, problems, summary = _scan(POSTFIX, kind="exchange")
    assert not records and not summary.found
    assert problems and "before any #Fields line" in problems[0].reason


def test_a_postfix_log_is_not_taken_for_exchange() -> None:
    records, _, _ = _scan(POSTFIX)
    assert records and all(r.verdict.reply.origin == "postfix" for r in records)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_input_with_a_byte_order_mark(codec: str) -> None:
    # Windows PowerShell's ">" writes UTF-16 with a BOM: an export of a tracking log, or a log.
    for path in (EXCHANGE / "export.csv", Path(POSTFIX)):
        text = path.read_text(encoding="utf-8")
        data = ("\ufeff" + text).encode(codec) if codec == "utf-16-be" else text.encode(codec)
        records, problems, _ = _scan("-", stdin=io.BytesIO(data))
        expected, expected_problems, _ = _scan(str(path))
        assert records and len(problems) == len(expected_problems)
        assert [
            (r.line, r.recipient, r.verdict.category, r.verdict.reply.text) for r in records
        ] == [(r.line, r.recipient, r.verdict.category, r.verdict.reply.text) for r in expected]


def test_a_live_pipe_gets_its_record_before_the_input_ends() -> None:
    # tail -F mail.log | smtpcodes scan -: one delivery line must not wait for more lines.
    import select

    line = Path(SENDMAIL).read_bytes().splitlines(keepends=True)
    failure = next(x for x in line if b"stat=" in x and b"stat=Sent" not in x)
    proc = subprocess.Popen(
        [sys.executable, "-m", "smtpcodes", "scan", "--format", "jsonl", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(failure)
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        assert ready, "no record while the input is still open"
        assert json.loads(proc.stdout.readline())["line"] == 1
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def _within(seconds: float, run: Callable[[], list[ScanItem]]) -> list[ScanItem]:
    """run() in a daemon thread: a regression that hangs fails the test instead of the run."""
    done: list[list[ScanItem]] = []
    worker = threading.Thread(target=lambda: done.append(run()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert done, f"still running after {seconds} s"
    return done[0]


def test_one_path_as_a_string_is_one_path_not_its_letters() -> None:
    # A str is an Iterable[str] of its characters: scan("mail.log") walked "/" ("m", "a", ...).
    log = str(FIXTURES / "postfix.log")
    one = _within(30, lambda: list(scan(log)))
    assert one == list(scan([log]))
    assert one and all(i.location.startswith(log) for i in one)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_inside_a_folder_is_named_not_waited_for(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "postfix.log", tmp_path / "mail.log")
    os.mkfifo(tmp_path / "pipe")  # no writer: opening it to read would wait forever
    items = _within(30, lambda: list(scan([str(tmp_path)])))
    problems = [i for i in items if isinstance(i, ScanProblem)]
    assert [(p.file, p.kind) for p in problems if p.kind == "unreadable"] == [
        (str(tmp_path / "pipe"), "unreadable")
    ]
    assert any("not a regular file" in p.reason for p in problems)
    assert any(isinstance(i, ScanRecord) for i in items)


def test_a_broken_link_inside_a_folder_is_named_for_what_it_is(tmp_path: Path) -> None:
    (tmp_path / "gone.log").symlink_to(tmp_path / "nowhere")
    items = _within(30, lambda: list(scan([str(tmp_path)])))
    [problem] = [i for i in items if isinstance(i, ScanProblem)]
    assert "No such file or directory" in problem.reason


def test_scan_of_no_paths_at_all_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"^scan\(\) takes a path or paths, not NoneType$"):
        scan(None)  # type: ignore[arg-type]


def test_an_email_that_is_no_bounce_is_counted_as_other(tmp_path: Path) -> None:
    # A colleague quoting "550 5.1.1 user unknown" in a folder of bounces: no failure of ours.
    (tmp_path / "note.eml").write_bytes(
        b"From: Erin <erin@example.com>\nTo: helpdesk@example.com\nSubject: newsletter\n\n"
        b'when I send to frank@partner.example I get back "550 5.1.1 user unknown".\n'
    )
    summary = Summary()
    items = list(scan_module.scan([str(tmp_path)], summary=summary))
    assert items == []
    totals = summary.totals()
    assert (totals["messages"], totals["failures"], totals["other"]) == (1, 0, 1)
    parts = ("delivered", "failures", "deferrals", "other")
    assert sum(totals[k] for k in parts) == totals["deliveries"]
