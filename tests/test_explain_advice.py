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


@pytest.mark.parametrize(
    ("reply", "enhanced", "says", "cites"),
    [
        # RFC 7504 section 3: 521 is a host that never accepts mail, not "change the message".
        ("521", "5.3.2", "Stop trying this host", "RFC 7504"),
        # RFC 4954 section 6: 432 4.7.12 asks for one login with PLAIN, not SPF or DKIM.
        ("432", "4.7.12", "Authenticate once with PLAIN", "RFC 4954 section 6"),
        ("534", "5.7.9", "stronger mechanism", "RFC 4954 section 6"),
        ("538", "5.7.11", "STARTTLS", "RFC 4954"),
        ("535", "5.7.0", "credentials", "RFC 4954 section 6"),  # 535's own meaning, any X.7
        ("554", "5.6.9", "ASCII-only", "RFC 6531 sections 3.5"),  # the pair RFC 6531 defines
    ],
)
def test_a_reply_code_with_its_own_meaning_beats_a_generic_enhanced_code(
    reply: str, enhanced: str, says: str, cites: str
) -> None:
    e = explain_code(reply, enhanced)
    assert e.advice is not None and says in e.advice
    assert e.advice_source is not None and e.advice_source.startswith(cites)
    assert "SPF" not in e.advice and "change the message" not in e.advice


@pytest.mark.parametrize(
    ("reply", "enhanced"),
    [
        ("530", "5.7.0"),  # AUTH (RFC 4954 section 6) or STARTTLS (RFC 3207 section 4)?
        ("503", "5.5.1"),  # base SMTP's bad sequence, or AUTH repeated?
        ("501", "5.5.4"),  # any bad parameter, or STARTTLS given one?
        ("454", "4.7.0"),  # AUTH or STARTTLS, both temporary
        ("452", "4.3.1"),  # storage, or the SIZE extension's declared size?
    ],
)
def test_a_pairing_several_meanings_share_names_no_extension(reply: str, enhanced: str) -> None:
    # The code pair alone cannot tell which extension's meaning applies: the enhanced code's
    # advice speaks, not the first context that lists the pair.
    e = explain_code(reply, enhanced)
    assert e.advice_source is not None
    assert not e.advice_source.startswith(("RFC 4954", "RFC 3207", "RFC 1870"))


@pytest.mark.parametrize(
    ("reply", "enhanced", "source"),
    [
        ("550", "5.7.26", "RFC 7372 section 3.4"),  # the enhanced code's own advice
        ("556", "5.1.10", "RFC 7505 section 4.1"),
        ("550", "5.2.1", "RFC 3463 section 2"),  # 550 covers many causes: X.2 says more
        ("421", "4.3.2", "RFC 3463 section 2"),
        ("432", "4.3.2", "RFC 3463 section 2"),  # Exchange's 432 4.3.2 is not AUTH's 432
    ],
)
def test_the_enhanced_code_wins_where_it_is_more_specific(
    reply: str, enhanced: str, source: str
) -> None:
    e = explain_code(reply, enhanced)
    assert e.advice_source is not None and e.advice_source.startswith(source)


def test_retry_follows_the_reply_class() -> None:
    assert explain_code("521", "5.3.2").retry == "no"
    assert explain_code("432", "4.7.12").retry == "later"
