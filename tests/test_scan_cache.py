"""The caches behind scan's speed give exactly the verdicts an uncached diagnosis gives.

diagnose_reply reuses a verdict when a reply differs from an earlier one only in what varies from
line to line (recipient, queue id, time, ids in the text that no rule matched); these tests run
whole generated logs, the test fixtures and the corpus both ways and compare every field.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from conftest import CORPUS, REPO, gen_logs
from hypothesis import given
from hypothesis import strategies as st

from smtpcodes import diagnose, parse
from smtpcodes import scan as scan_module
from smtpcodes.diagnose import Verdict, diagnose_reply
from smtpcodes.parse import Reply
from smtpcodes.scan import ScanRecord, Summary, normalize_reason, scan


def _uncached(reply: Reply) -> Verdict | None:
    return diagnose._diagnose(reply, diagnose.rule_matches(reply))


def _records(paths: list[str], stdin: bytes | None = None) -> Iterator[ScanRecord]:
    stream = io.BytesIO(stdin) if stdin is not None else None
    for item in scan(paths, summary=Summary(), stdin=stream):
        if isinstance(item, ScanRecord):
            yield item


def _check(records: Iterator[ScanRecord]) -> int:
    count = 0
    for record in records:
        assert record.verdict == _uncached(record.verdict.reply), record.location
        count += 1
    return count


@pytest.mark.parametrize("mta", ["postfix", "exim", "sendmail", "mixed"])
def test_log_verdicts_match_uncached(mta: str) -> None:
    out = io.StringIO()
    gen_logs().write_log(out, mta=mta, lines=3000, failures=0.5, seed=11)
    data = out.getvalue().encode()
    diagnose._VERDICTS.clear()
    first = _check(_records(["-"], data))
    # The second pass finds every verdict in the cache.
    assert _check(_records(["-"], data)) == first > 200


def test_fixture_verdicts_match_uncached() -> None:
    diagnose._VERDICTS.clear()
    assert _check(_records([str(REPO / "tests" / "fixtures")])) > 10
    assert _check(_records([str(REPO / "tests" / "fixtures")])) > 10


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
def test_corpus_verdicts_match_uncached() -> None:
    paths = [str(p) for p in sorted((CORPUS / "maildir").glob("*")) if p.is_dir()]
    paths += [str(p) for p in sorted((CORPUS / "mailbox").glob("mbox-*"))]
    diagnose._VERDICTS.clear()
    assert _check(_records(paths)) > 500
    assert _check(_records(paths)) > 500


def test_cached_verdict_is_the_lines_own() -> None:
    """Two lines with the same reason share the diagnosis, never the recipient or the text."""
    line = (
        "Nov 20 06:00:15 mail postfix/smtp[2116]: {qid}: to=<{rcpt}>, relay=mx.example.com"
        "[192.0.2.20]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.com"
        "[192.0.2.20] said: 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown"
        " (in reply to RCPT TO command))\n"
    )
    log = line.format(qid="4QAAAAAAAAAA1", rcpt="a@example.com") + line.format(
        qid="4QBBBBBBBBBB2", rcpt="b@example.com"
    )
    diagnose._VERDICTS.clear()
    first, second = _records(["-"], log.encode())
    assert len(diagnose._VERDICTS) == 1
    assert (first.recipient, second.recipient) == ("a@example.com", "b@example.com")
    assert (first.queue_id, second.queue_id) == ("4QAAAAAAAAAA1", "4QBBBBBBBBBB2")
    assert "b@example.com" in second.verdict.reply.text
    assert second.verdict.reply.raw.endswith("(in reply to RCPT TO command))")
    assert second.verdict == _uncached(second.verdict.reply)
    assert first.verdict.category == second.verdict.category == "user-unknown"
    hash(first.verdict)  # nothing in a verdict can be changed in place


def test_verdict_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diagnose, "_VERDICTS_MAX", 8)
    diagnose._VERDICTS.clear()
    for n in range(40):
        diagnose_reply(Reply(text="User unknown", raw="", reply_code="550", remote_host=f"m{n}.x"))
    assert len(diagnose._VERDICTS) == 8


# -- the fast readers find what the plain patterns find -------------------------------------------

_FIELD_TEXT = st.text(alphabet="tosaud=<>_x@.é ()[]:,5-", max_size=60)


@pytest.mark.parametrize(
    ("attr", "name"),
    [("pf_status", "status="), ("pf_to", "to=<"), ("pf_dsn", "dsn="), ("sm_to", "to=")],
)
@given(text=_FIELD_TEXT)
def test_field_is_a_word_boundary_search(attr: str, name: str, text: str) -> None:
    pattern = getattr(parse._p(), attr)
    plain = re.compile(r"\b" + pattern.pattern, pattern.flags)
    fast = parse._field(pattern, name, text)
    slow = plain.search(text)
    assert (fast and (fast.span(), fast.groups())) == (slow and (slow.span(), slow.groups()))


_OLD_IN_REPLY_TO = re.compile(
    rf"\s{{0,3}}\(in reply to (?:{parse._COMMANDS}|end of data)(?: command)?\)", re.IGNORECASE
)


@given(
    text=st.lists(
        st.sampled_from(["x", " ", "\t", "(in reply to ", "RCPT TO", "data", " command", ")"]),
        max_size=12,
    ).map("".join)
)
def test_in_reply_to_as_the_plain_pattern(text: str) -> None:
    found = parse._in_reply_to(text)
    m = _OLD_IN_REPLY_TO.search(text)
    assert (found[:2] if found else None) == (m.span() if m else None)
    if found is not None and m is not None:
        assert found[2] == parse.find_command(m.group(0))


def _normalize_reason_word_by_word(text: str, limit: int = 200) -> str:
    """normalize_reason as first written, one word at a time: the reference for the fast one."""
    addr, ip = scan_module._reason_patterns()
    no_digits = str.maketrans("", "", "0123456789")
    out: list[str] = []
    size = 0
    for word in text.split():
        if "@" in word:
            word = addr.sub("<address>", word)
        elif not word.isalpha():
            digits = len(word) - len(word.translate(no_digits))
            if digits >= 4 and ("." in word or ":" in word):
                word = ip.sub("<ip>", word)
                digits = len(word) - len(word.translate(no_digits))
            if digits >= 7 or (digits >= 4 and len(word) >= 16):
                word = "<id>"
        out.append(word)
        size += len(word) + 1
        if size > limit:
            break
    return " ".join(out)[:limit]


_REASON_WORDS = st.sampled_from(
    [
        "User",
        "unknown",
        "a@b.example",
        "<x.1@y.org>:",
        "[192.0.2.1]",
        "2001:db8::1",
        "5.7.26",
        "1763620000",
        "gj2q451x0wwkh-k7lcql4bsiBJdBpK.42",
        "(S3150)",
        "OFR005_104",
        "é",
        "-",
        "\u2028",
    ]
)


@given(
    words=st.lists(st.one_of(_REASON_WORDS, st.text(max_size=12)), max_size=30),
    sep=st.sampled_from([" ", "  ", "\t", "\n", "\x1c"]),
    limit=st.sampled_from([0, 1, 5, 20, 200]),
)
def test_normalize_reason_as_word_by_word(words: list[str], sep: str, limit: int) -> None:
    text = sep.join(words)
    assert normalize_reason(text, limit) == _normalize_reason_word_by_word(text, limit)
    # Twice: the second time the words it kept are remembered.
    assert normalize_reason(text, limit) == _normalize_reason_word_by_word(text, limit)


@pytest.mark.parametrize(
    "text",
    ["x\udc801234567 y", "\udc80\udc81 5.7.1", "é1234 ü12345678 Ω1.2.3.4", "٣٤٥٦٧٨٩ 1٢3"],
)
def test_normalize_reason_counts_ascii_digits_only(text: str) -> None:
    # Lone surrogates (undecodable bytes) and non-ASCII digits, as the reference counts them.
    assert normalize_reason(text) == _normalize_reason_word_by_word(text)
