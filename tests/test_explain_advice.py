"""Which advice explain gives, and which source it cites for it."""

from __future__ import annotations

import pytest

from smtpcodes.explain import explain_code


@pytest.mark.parametrize(
    ("code", "retry", "says"),
    [
        ("557", "no", "SHOULD NOT repeat the exact request"),
        ("437", "later", "SHOULD try again"),
        ("301", "no", "held pending further information"),
        ("209", "no", "positive completion"),
    ],
)
def test_reply_class_advice_cites_rfc5321(code: str, retry: str, says: str) -> None:
    # An unassigned reply code is read by its first digit as RFC 5321 section 4.2.1 defines it;
    # RFC 3463's classes are those of enhanced codes.
    e = explain_code(code, None)
    assert e.reply is None and e.advice
    assert e.retry == retry
    assert e.advice_source is not None
    assert e.advice_source.startswith("RFC 5321 section 4.2.1 ")
    assert says in e.advice_source


def test_enhanced_class_advice_still_cites_rfc3463() -> None:
    e = explain_code(None, "5.9.9")
    assert e.advice_source is not None and e.advice_source.startswith("RFC 3463 section 2 ")
