"""Header rules: knowledge that a bounce carries in a header of its own, not in its text (au's
`X-SPASIGN: NG`, set when the recipient's filter refused the mail)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from smtpcodes import kb, search
from smtpcodes.bounce import parse_message
from smtpcodes.diagnose import diagnose, diagnose_reply

FIXTURE = Path(__file__).parent / "fixtures" / "diagnose" / "ezweb-spasign.eml"


def ezweb(header: str | None = "X-SPASIGN: NG") -> bytes:
    data = FIXTURE.read_bytes()
    if header is None:
        return data.replace(b"X-SPASIGN: NG\n", b"")
    return data.replace(b"X-SPASIGN: NG", header.encode())


def test_spasign_ng_is_the_recipients_filter() -> None:
    (verdict,) = diagnose(ezweb())
    assert verdict.category == "recipient-filtered"
    assert verdict.bounce == "soft"  # the address may be fine: never a hard bounce
    assert verdict.party == "recipient"
    assert verdict.provider == "au (KDDI) / EZweb"
    assert verdict.reply.recipient == "hanako.sato-0415@ezweb.ne.jp"
    (evidence,) = [e for e in verdict.evidence if e.rule == "kddi-spasign-ng"]
    assert evidence.matched == "X-SPASIGN: NG"
    assert "p5-sisimai" in evidence.source
    assert "X-SPASIGN" in (verdict.rule_meaning or "")


@pytest.mark.parametrize("header", ["x-spasign:   ng  ", "X-Spasign: NG"])
def test_header_name_and_value_ignore_case_and_spaces(header: str) -> None:
    (verdict,) = diagnose(ezweb(header))
    assert verdict.category == "recipient-filtered"


@pytest.mark.parametrize("header", [None, "X-SPASIGN: OK", "X-SPASIGN: NGX", "X-Other: NG"])
def test_without_the_signal_the_notice_says_nothing(header: str | None) -> None:
    (verdict,) = diagnose(ezweb(header))
    assert verdict.category == "undetermined"
    assert not any(e.rule == "kddi-spasign-ng" for e in verdict.evidence)


def test_only_headers_the_rules_read_are_kept() -> None:
    (reply,) = parse_message(ezweb())
    assert reply.headers == (("x-spasign", "NG"),)
    assert "x-spasign" in kb.header_names()


def test_header_rules_never_match_text() -> None:
    # The words of a header rule are not a wording: a reply saying "NG" is not filtered.
    assert not any(m.rule.header for m in kb.match_rules("550 X-SPASIGN: NG"))


def test_the_verdict_cache_keeps_header_verdicts_apart() -> None:
    (with_header,) = parse_message(ezweb())
    without = with_header._replace(headers=())
    first = diagnose_reply(with_header)
    second = diagnose_reply(without)
    assert first is not None and second is not None
    assert (first.category, second.category) == ("recipient-filtered", "undetermined")


def test_search_finds_a_header_rule_by_its_header() -> None:
    found = [e for e in search.search("X-SPASIGN: NG", fixed=True) if e.kind == "rule"]
    assert [e.code for e in found] == ["kddi-spasign-ng"]
    row = found[0].to_json()
    assert (row["match_type"], row["header"], row["match"]) == ("header", "X-SPASIGN", "NG")


def _row() -> dict[str, Any]:
    return dict(
        json.loads(
            '{"id": "x-rule", "provider": "kddi", "match": "NG", "match_type": "header", '
            '"header": "X-SPASIGN", "reply": null, "enhanced": null, "category": '
            '"recipient-filtered", "retry": "no", "party": "recipient", "meaning": "m", '
            '"advice": "a", "priority": 2, "confidence": "medium", "source": "s", '
            '"checked": "2026-11-23"}'
        )
    )


def _load(monkeypatch: pytest.MonkeyPatch, row: dict[str, Any]) -> None:
    monkeypatch.setattr(kb, "read_jsonl", lambda name: [{**_row(), **row}])
    kb.rules.__wrapped__()


def test_loader_accepts_a_header_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    good = {"id": "x-rule", "header": "X-SPASIGN", "match_type": "header"}
    monkeypatch.setattr(kb, "read_jsonl", lambda name: [{**_row(), **good}])
    (rule,) = kb.rules.__wrapped__()
    assert (rule.header, rule.match, rule.match_type) == ("X-SPASIGN", "NG", "header")
    assert rule.to_json()["header"] == "X-SPASIGN"


@pytest.mark.parametrize(
    "row",
    [
        {"header": "X SPASIGN"},  # a field name has no spaces (RFC 5322 section 2.2)
        {"header": "X-SPASIGN:"},
        {"header": ""},
        {"header": None},
        {"match": " "},
        {"match_type": "substring", "match": "Spamghetti NG"},  # header without type header
    ],
)
def test_loader_refuses_bad_header_rules(
    monkeypatch: pytest.MonkeyPatch, row: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match=r"rules\.jsonl"):
        _load(monkeypatch, row)
