"""What data/reply-codes.csv says about the registry and the RFCs holds against them."""

from __future__ import annotations

import re

import pytest
from conftest import SHARED

from smtpcodes import registry

RFC_DIR = SHARED / "reference" / "rfc"
_IANA_CLAIM = re.compile(
    r"IANA SMTP Enhanced Status Codes registry, associated basic status codes \(([^)]*)\)"
)
_KEY = re.compile(r"X\.(\d+)\.(\d+)(?:-X\.\1\.(\d+))?")


def _claimed(source: str) -> list[str]:
    """The X.s.d codes a source says the registry associates with the row's reply code."""
    keys: list[str] = []
    for claim in _IANA_CLAIM.finditer(source):
        for m in _KEY.finditer(claim.group(1)):
            subject, first, last = m.group(1), int(m.group(2)), int(m.group(3) or m.group(2))
            keys += [f"X.{subject}.{d}" for d in range(first, last + 1)]
    return keys


def _listed(reply: str, entry: registry.EnhancedEntry) -> bool:
    return entry.associated_any or any(
        all(p in "Xx" or p == r for p, r in zip(pattern, reply, strict=True))
        for pattern in entry.associated
        if len(pattern) == 3
    )


def test_iana_association_claims_are_true() -> None:
    wrong = []
    for reply in registry.reply_entries():
        for meaning in reply.meanings:
            for key in _claimed(meaning.source):
                entry = registry.lookup_enhanced(key)
                if entry is None or not _listed(reply.code, entry):
                    listed = entry.associated_text if entry else "not registered"
                    wrong.append(f"{reply.code} {meaning.context!r}: {key} is listed with {listed}")
    assert not wrong


def _meaning(code: str, context: str) -> registry.ReplyMeaning:
    entry = registry.lookup_reply(code)
    assert entry is not None
    [meaning] = [m for m in entry.meanings if m.context == context]
    return meaning


def test_burl_trust_relationship_is_x714() -> None:
    # RFC 5248 section 2.4, X.7.14: "This value replaces the prior use of X.7.8 for this error
    # condition, thereby updating [RFC4468]."
    burl = _meaning("554", "BURL")
    assert "5.7.14" in burl.usual_enhanced and "5.7.8" not in burl.usual_enhanced
    assert "RFC 5248 section 2.4" in burl.source
    if RFC_DIR.is_dir():
        text = " ".join((RFC_DIR / "rfc5248.txt").read_text(encoding="utf-8").split())
        assert "replaces the prior use of X.7.8 for this error condition" in text


def test_smtputf8_554_does_not_claim_the_registry() -> None:
    utf8 = _meaning("554", "SMTPUTF8")
    assert "RFC 6531 section 3.5" in utf8.reference
    assert "550 only" in utf8.description
    entry = registry.lookup_enhanced("X.6.9")
    assert entry is not None and entry.associated == ("550",)


@pytest.mark.parametrize("said", ["252", "section 7.3", "not in full compliance"])
def test_502_says_vrfy_switched_off_should_be_252(said: str) -> None:
    # RFC 5321 section 7.3: a site that disables VRFY or EXPN MUST return 252; section 3.5.3:
    # implementations that return 500 or 502 for VRFY are not in full compliance.
    base = _meaning("502", "")
    assert said in base.description
    assert "7.3" in base.source
