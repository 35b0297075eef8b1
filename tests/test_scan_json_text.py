"""ScanRecord.to_json_text and plain_fields, the fast paths of `scan --format jsonl|plain`, say
exactly what to_json says: the same text, byte for byte, whatever the caches hold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtpcodes import scan as scan_module
from smtpcodes.limits import Limits
from smtpcodes.parse import parse_log_line
from smtpcodes.scan import PLAIN_COLUMNS, ScanRecord, Summary, scan

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scan"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "set-of-emails"

# Same codes and category (5.2.2, mailbox-full), different decisions: Gmail's documented wording
# names the provider and its advice, the bare reply does not; a layout shared by the two must
# not carry one's decision into the other's record.
SAME_CODES = """\
Nov 20 06:01:30 mail postfix/smtp[2162]: 4QzS7qM6WHcgF: to=<niaj@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.102.27]:25, delay=4.9, delays=0.05/0.01/1.25/0.4, dsn=5.2.2, status=bounced (host gmail-smtp-in.l.google.com[142.250.102.27] said: 552-5.2.2 The recipient's inbox is out of storage space. Please 552 5.2.2 direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp a1-b2 - gsmtp (in reply to RCPT TO command))
Nov 20 06:01:31 mail postfix/smtp[2163]: 4QzS7qM6WHcgG: to=<bob@example.org>, relay=mx.example.org[192.0.2.7]:25, delay=1, delays=0.05/0.01/0.5/0.4, dsn=5.2.2, status=bounced (host mx.example.org[192.0.2.7] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command))
Nov 20 06:01:32 mail postfix/smtp[2164]: 4QzS7qM6WHcgH: to=<eve@example.org>, relay=mx.example.org[192.0.2.7]:25, delay=1, delays=0.05/0.01/0.5/0.4, dsn=5.2.2, status=bounced (host mx.example.org[192.0.2.7] said: 552 5.2.2 Quota exceeded, the mailbox is full (in reply to RCPT TO command))
Nov 20 06:01:33 mail postfix/smtp[2165]: 4QzS7qM6WHcgI: to=<amy@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.102.27]:25, delay=4.9, delays=0.05/0.01/1.25/0.4, dsn=4.2.2, status=deferred (host gmail-smtp-in.l.google.com[142.250.102.27] said: 452-4.2.2 The recipient's inbox is out of storage space. Please 452 4.2.2 direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp c3-d4 - gsmtp (in reply to RCPT TO command))
"""


def _reference(record: ScanRecord) -> str:
    return json.dumps(record.to_json(), ensure_ascii=False, separators=(",", ":"))


def _records(*paths: str) -> Iterator[ScanRecord]:
    for item in scan(paths, summary=Summary()):
        if isinstance(item, ScanRecord):
            yield item


def _fixture_paths() -> list[str]:
    # The scan fixtures, and the emails and logs the parser and diagnosis tests read.
    folders = [FIXTURES, FIXTURES.parent / "parse", FIXTURES.parent / "diagnose"]
    return [str(p) for folder in folders for p in sorted(folder.iterdir())]


@pytest.fixture(autouse=True)
def _empty_layouts() -> Iterator[None]:
    scan_module._LAYOUTS.clear()
    yield
    scan_module._LAYOUTS.clear()


def test_fixtures_text_is_to_json(tmp_path: Path) -> None:
    log = tmp_path / "same-codes.log"
    log.write_text(SAME_CODES, encoding="utf-8")
    records = list(_records(*_fixture_paths(), str(log)))
    assert len(records) > 20
    # Twice: the second time every layout and decision comes from the caches.
    for _ in range(2):
        for record in records:
            assert record.to_json_text() == _reference(record)
    same = [r for r in records if r.file == str(log)]
    assert len({r.verdict.provider for r in same}) == 2  # the case this test is for
    assert len({(r.verdict.enhanced_code, r.verdict.category) for r in same[:3]}) == 1


def test_small_caches_change_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module, "_LAYOUTS_MAX", 1)
    monkeypatch.setattr(scan_module, "_DECIDED_MAX", 1)
    log = tmp_path / "same-codes.log"
    log.write_text(SAME_CODES * 3, encoding="utf-8")
    for record in _records(*_fixture_paths(), str(log)):
        assert record.to_json_text() == _reference(record)
    assert len(scan_module._LAYOUTS) <= 1
    assert all(len(layout.decided) <= 1 for layout in scan_module._LAYOUTS.values())


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here")
def test_corpus_text_is_to_json() -> None:
    count = 0
    for record in _records(str(CORPUS)):
        assert record.to_json_text() == _reference(record)
        count += 1
    assert count > 500


def test_plain_fields_are_to_json_columns() -> None:
    records = list(_records(*_fixture_paths()))
    assert records
    for record in records:
        data = record.to_json()
        plain = list(record.plain_fields())
        # The text is as it was written (a tab stays, shown "\\t"); JSON's folds whitespace.
        assert " ".join(str(plain[-1]).split()) == data["text"]
        assert plain[:-1] == [data[k] for k in PLAIN_COLUMNS[:-1]]


_LINE = (
    "Nov 20 06:01:31 mail postfix/smtp[2163]: 4QzS7qM6WHcgG: to=<{to}>, "
    "relay=mx.example.org[192.0.2.7]:25, delay=1, delays=0/0/0/0, dsn={dsn}, "
    "status={status} (host mx.example.org[192.0.2.7] said: {code} {dsn} {text} "
    "(in reply to RCPT TO command))"
)


@settings(max_examples=60, deadline=None)
@given(
    to=st.sampled_from(["a@example.org", "b@gmail.com", "ü@例え.jp"]),
    code=st.sampled_from(["550", "552", "421", "554", "451"]),
    dsn=st.sampled_from(["5.1.1", "5.2.2", "4.7.0", "5.7.1", "4.2.2", "5.7.26"]),
    status=st.sampled_from(["bounced", "deferred"]),
    text=st.text(min_size=1, max_size=80).map(lambda t: t.replace("\n", " ").replace("\r", " ")),
)
def test_any_reply_text_is_to_json(to: str, code: str, dsn: str, status: str, text: str) -> None:
    # Control characters, quotes, backslashes and non-ASCII text in every per-record key.
    reply = parse_log_line(_LINE.format(to=to, code=code, dsn=dsn, status=status, text=text))
    assert reply is not None
    scanner = scan_module._Scanner("auto", Summary(), Limits(), None, None)
    item = scanner.delivery(reply, "x.log", 1, None)
    if isinstance(item, ScanRecord):
        assert item.to_json_text() == _reference(item)


def test_the_encoder_is_json_dumps_with_or_without_the_c_accelerator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json.encoder

    sample = {"a": [1, 2.5, None, True, 'é\n"\x00\u2028'], "b": {"c": ""}, "d": -0.0}
    expected = json.dumps(sample, ensure_ascii=False, separators=(",", ":"))
    assert scan_module._dumps(sample) == expected
    monkeypatch.setattr(json.encoder, "c_make_encoder", None)  # as on an interpreter without it
    assert scan_module._encoder()(sample) == expected
