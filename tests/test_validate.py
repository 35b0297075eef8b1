"""validate.py: each rule fires on a minimal bad example, not on a good one; nothing raises."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtpcodes.validate import (
    Finding,
    Validation,
    validate,
    validate_code,
    validate_lines,
    validate_reply,
)

# Gmail's DMARC rejection as it appears in ../shared/corpus (maildir/bsd/lhost-postfix-70.eml).
GMAIL_5726 = (
    "550-5.7.26 Unauthenticated email from example.jp is not accepted due to domain's\r\n"
    "550-5.7.26 DMARC policy. Please contact the administrator of example.jp domain if\r\n"
    "550-5.7.26 this was a legitimate mail. To learn about the DMARC initiative, go\r\n"
    "550-5.7.26 to\r\n"
    "550 5.7.26  https://support.google.com/mail/?p=DmarcRejection "
    "98e67ed59e1d1-2c2d0e28189si6418580a91.13 - gsmtp\r\n"
)

# Gmail's authentication failure reply, with the empty continuation lines Gmail sends.
GMAIL_AUTH = (
    "550-5.7.26 This mail has been blocked because the sender is unauthenticated.\n"
    "550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.\n"
    "550-5.7.26\n"
    "550-5.7.26  Authentication results:\n"
    "550-5.7.26  DKIM = did not pass\n"
    "550-5.7.26  SPF [example.com] with ip: [192.0.2.1] = did not pass\n"
    "550-5.7.26\n"
    "550-5.7.26  For instructions on setting up authentication, go to\n"
    "550 5.7.26  https://support.google.com/mail/answer/81126#authentication "
    "d2e1a72fcca58-7 - gsmtp"
)

Check = Callable[[str], Validation]


def rules(v: Validation) -> set[str]:
    return {f.rule for f in v.findings}


def only(v: Validation, rule: str) -> Finding:
    matches = [f for f in v.findings if f.rule == rule]
    assert len(matches) == 1, v.findings
    return matches[0]


# (check, bad input, rule, severity, reference, a good input the rule must not fire on)
CASES: list[tuple[Check, str, str, str, str, str]] = [
    # code level
    (validate_code, "5.7", "enhanced-syntax", "error", "RFC 3463 section 2", "5.7.1"),
    (validate_code, "3.1.1", "enhanced-syntax", "error", "RFC 3463 section 2", "4.1.1"),
    (validate_code, "5.01.1", "enhanced-syntax", "error", "RFC 3463 section 2", "5.1.1"),
    (validate_code, "5.1.1000", "enhanced-syntax", "error", "RFC 3463 section 2", "5.1.10"),
    (validate_code, "550 X.7.26", "enhanced-syntax", "error", "RFC 3463 section 2", "550 5.7.26"),
    (validate_code, "X.7.26", "registry-notation", "info", "RFC 5248 section 1", "5.7.26"),
    (validate_code, "5.1.99", "not-registered", "warning", "RFC 3463 section 2", "5.1.1"),
    (validate_code, "5.8.1", "subject-unknown", "warning", "RFC 3463 section 2", "5.7.1"),
    (validate_code, "5.6.10", "deprecated", "warning", "RFC 6531", "5.6.8"),
    (validate_code, "571", "reply-syntax", "error", "RFC 5321 section 4.2", "550"),
    (validate_code, "650", "reply-syntax", "error", "RFC 5321 section 4.2", "554"),
    (validate_code, "55", "reply-syntax", "error", "RFC 5321 section 4.2", "552"),
    (validate_code, "510", "nonstandard-reply", "warning", "RFC 5321 section 4.2", "501"),
    (validate_code, "550 4.1.1", "class-mismatch", "error", "RFC 2034 section 4", "550 5.1.1"),
    (validate_code, "250 5.1.1", "class-mismatch", "error", "RFC 2034 section 4", "451 4.1.1"),
    (validate_code, "421 4.1.1", "unusual-pairing", "warning", "RFC 5248 section 2.1", "451 4.1.1"),
    (
        validate_code,
        "250 2.1.1",
        "unusual-pairing",
        "warning",
        "RFC 5248 section 2.1",
        "550 5.7.17",
    ),
    (
        validate_code,
        "354 2.0.0",
        "enhanced-on-intermediate",
        "warning",
        "RFC 2034 section 4",
        "250 2.0.0",
    ),
    (validate_code, "hello", "no-code", "error", "RFC 5321 section 4.2", "250"),
    # reply level
    (validate_reply, "550:blocked", "missing-separator", "error", "RFC 5321 section 4.2", "550 x"),
    (
        validate_reply,
        "hi\n250 ok",
        "reply-syntax",
        "error",
        "RFC 5321 section 4.2",
        "250-hi\n250 ok",
    ),
    (
        validate_reply,
        "250 a\n250 b",
        "multiline-early-end",
        "error",
        "RFC 5321 section 4.2.1",
        "250-a\n250 b",
    ),
    (
        validate_reply,
        "250-a\n250-b",
        "multiline-unterminated",
        "error",
        "RFC 5321 section 4.2.1",
        "250-a\n250 b",
    ),
    (
        validate_reply,
        "250-a\n251 b",
        "multiline-code-mismatch",
        "error",
        "RFC 5321 section 4.2.1",
        "251-a\n251 b",
    ),
    (
        validate_reply,
        "550 5.1.1 no\x00body",
        "control-character",
        "error",
        "RFC 5321 section 4.2",
        "550 5.1.1 no\tbody",
    ),
    (
        validate_reply,
        "550 5.1.1 Benutzer müller unbekannt",
        "non-ascii-text",
        "warning",
        "RFC 6531 section 3.7.4.2",
        "550 5.1.1 Benutzer mueller unbekannt",
    ),
    (validate_reply, "550", "bare-code", "warning", "RFC 5321 section 4.2", "550 No"),
    (
        validate_reply,
        "250-a\n250",
        "code-only-line",
        "info",
        "RFC 5321 section 4.2.1",
        "250-a\n250 ",
    ),
    (
        validate_reply,
        "550 5.7.1: blocked",
        "enhanced-separator",
        "warning",
        "RFC 2034 section 3",
        "550 5.7.1 blocked",
    ),
    (
        validate_reply,
        "550-5.7.1 a\n550 5.7.2 b",
        "multiline-enhanced-mismatch",
        "error",
        "RFC 2034 section 4",
        "550-5.7.1 a\n550 5.7.1 b",
    ),
    (
        validate_reply,
        "550-5.7.1 a\n550 b",
        "missing-enhanced-on-line",
        "error",
        "RFC 2034 section 4",
        "550-a\n550 b",
    ),
    (
        validate_reply,
        "550 4.7.1 try later",
        "class-mismatch",
        "error",
        "RFC 2034 section 4",
        "450 4.7.1 try later",
    ),
    (
        validate_reply,
        "354 2.0.0 Start mail input",
        "enhanced-on-intermediate",
        "warning",
        "RFC 2034 section 4",
        "354 Start mail input; end with <CRLF>.<CRLF>",
    ),
    (
        validate_reply,
        "550 " + "x" * 507,
        "line-too-long",
        "warning",
        "RFC 5321 section 4.5.3.1.5",
        "550 " + "x" * 506,
    ),
]


@pytest.mark.parametrize(
    ("check", "bad", "rule", "severity", "reference", "good"),
    CASES,
    ids=[f"{c[2]}:{c[1][:20]!r}" for c in CASES],
)
def test_rule_fires_on_bad_and_not_on_good(
    check: Check, bad: str, rule: str, severity: str, reference: str, good: str
) -> None:
    finding = only(check(bad), rule)
    assert finding.severity == severity
    assert finding.reference.startswith(reference)
    assert finding.message
    assert rule not in rules(check(good))


def test_valid_flag_follows_errors_only() -> None:
    assert validate_code("5.1.99").valid  # warning only
    assert not validate_code("550 4.1.1").valid
    assert validate_code("X.7.26").valid  # info only


@pytest.mark.parametrize(
    "code",
    ["5.7.26", "4.7.0", "2.0.0", "550", "421", "250", "550 5.7.26", "451 4.4.1", "550-5.1.1"],
)
def test_good_codes_have_no_findings(code: str) -> None:
    assert validate_code(code).findings == ()


@pytest.mark.parametrize(
    "reply",
    [
        GMAIL_5726,
        GMAIL_AUTH,
        "250 2.1.0 Originator <ned@ymir.claremont.edu> ok",  # RFC 2034 section 6
        "551-5.7.1 Forwarding to remote hosts disabled\r\n"
        "551 5.7.1 Select another host to act as your forwarder",
        "250-mx.example.com Hello\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES",
        "220 192.0.2.1 ESMTP ready",  # an address is not an enhanced code
        "250-First line\n250-Second line\n250-234 Text beginning with numbers\n250 The last line",
        "451 4.7.1 Greylisted, please try again later",
    ],
)
def test_real_replies_have_no_errors(reply: str) -> None:
    v = validate_reply(reply)
    assert v.valid, v.findings
    assert not [f for f in v.findings if f.severity == "warning"], v.findings


def test_unlisted_pairing_is_valid_with_a_warning() -> None:
    # Gmail's rate limit: the registry does not list 421 for X.7.0, yet RFC 5248 allows it.
    v = validate_reply("421 4.7.0 Try again later, closing connection.")
    assert v.valid
    assert rules(v) == {"unusual-pairing"}


def test_gmail_reply_is_clean_through_the_dispatcher() -> None:
    [v] = validate(GMAIL_5726)
    assert v.findings == ()


def test_line_of_exactly_512_octets_passes_and_513_fails() -> None:
    fits = "550 5.7.1 " + "x" * (510 - 10)  # 510 + CRLF
    assert len(fits.encode()) + 2 == 512
    assert "line-too-long" not in rules(validate_reply(fits))
    over = fits + "x"
    finding = only(validate_reply(over), "line-too-long")
    assert "513 octets" in finding.message


def test_line_length_counts_utf8_octets_not_characters() -> None:
    # 258 characters but 512 octets: "é" is two octets in UTF-8.
    line = "550 " + "é" * 254
    assert len(line) + 2 < 512 < len(line.encode()) + 2
    finding = only(validate_reply(line), "line-too-long")
    assert f"{len(line.encode()) + 2} octets" in finding.message


def test_long_line_in_a_multiline_reply_names_its_line() -> None:
    reply = "550-5.7.1 short\n550 5.7.1 " + "y" * 600
    finding = only(validate_reply(reply), "line-too-long")
    assert finding.message.startswith("line 2 ")


def test_3xx_with_enhanced_code_is_not_a_class_mismatch() -> None:
    v = validate_reply("354-2.0.0 go ahead\n354 end with .")
    assert rules(v) == {"enhanced-on-intermediate"}
    assert "354" in only(v, "enhanced-on-intermediate").message


def test_class_mismatch_message_names_both_values() -> None:
    msg = only(validate_code("550 4.1.1"), "class-mismatch").message
    assert "4" in msg and "550" in msg and "RFC 2034" in msg


def test_deprecated_points_to_the_replacement() -> None:
    assert "X.6.8" in only(validate_code("5.6.10"), "deprecated").message


def test_class_pattern_in_registry_matches() -> None:
    # X.7.17 is associated with "5XX": any 5xx reply is listed.
    assert "unusual-pairing" not in rules(validate_code("554 5.7.17"))


def test_registry_notation_still_checks_the_rest() -> None:
    assert rules(validate_code("X.01.1")) == {"registry-notation", "enhanced-syntax"}
    assert rules(validate_code("X.1.99")) == {"registry-notation", "not-registered"}


def test_multiline_enhanced_findings_name_each_line() -> None:
    v = validate_reply("550-5.7.1 a\n550-b\n550 c")
    lines = sorted(
        f.message.split(" ")[1] for f in v.findings if f.rule == "missing-enhanced-on-line"
    )
    assert lines == ["2", "3"]


def test_enhanced_code_findings_are_not_repeated_per_line() -> None:
    v = validate_reply("550-5.1.99 a\n550-5.1.99 b\n550 5.1.99 c")
    assert [f.rule for f in v.findings] == ["not-registered"]


def test_broken_reply_code_is_not_also_judged_for_pairing() -> None:
    v = validate_reply("571 5.7.1 Delivery not authorized")
    assert rules(v) == {"reply-syntax"}
    assert only(v, "reply-syntax").message.startswith("reply code 571 ")
    assert rules(validate_code("571 4.7.1")) == {"reply-syntax", "class-mismatch"}


def test_empty_reply_is_no_code() -> None:
    assert rules(validate_reply("")) == {"no-code"}
    assert rules(validate_reply("\r\n")) == {"no-code"}


def test_trailing_crlf_is_not_an_empty_line() -> None:
    assert validate_reply("250 ok\r\n").findings == ()


# --- dispatcher ---------------------------------------------------------------------------------


def test_dispatch_bare_code_and_pair() -> None:
    [v] = validate(" 5.7.26 ")
    assert v.input == "5.7.26" and v.findings == ()
    [v] = validate("550 5.7.26")
    assert v.findings == ()
    [v] = validate("5.1234.1")
    assert rules(v) == {"enhanced-syntax"}


def test_dispatch_reply() -> None:
    [v] = validate("550 5.7.1 Relaying denied")
    assert v.findings == ()
    [v] = validate("550-5.7.1 a\n550 5.7.2 b")
    assert "multiline-enhanced-mismatch" in rules(v)


def test_dispatch_free_text_gives_one_validation_per_code() -> None:
    vs = validate("the server said 550 4.1.1 and later 5.8.1, then 4.2.2")
    assert [v.input for v in vs] == ["550 4.1.1", "5.8.1", "4.2.2"]
    assert [sorted(rules(v)) for v in vs] == [["class-mismatch"], ["subject-unknown"], []]


def test_dispatch_nothing_code_like() -> None:
    for text in ("", "   ", "no codes here", "mail from example.com"):
        [v] = validate(text)
        finding = only(v, "no-code")
        assert finding.severity == "error"
        assert "SMTP code" in finding.message
        assert not v.valid


def test_validate_lines_one_result_per_line() -> None:
    vs = validate_lines("550 5.1.1 no such user\n\n451 4.7.1 greylisted\r\n250 5.0.0 odd\n")
    assert [v.input for v in vs] == [
        "550 5.1.1 no such user",
        "451 4.7.1 greylisted",
        "250 5.0.0 odd",
    ]
    assert [v.valid for v in vs] == [True, True, False]
    assert validate_lines("") == []


def test_to_json_shape() -> None:
    v = validate_code("550 4.1.1")
    data = v.to_json()
    assert set(data) == {"input", "valid", "findings"}
    assert data["input"] == "550 4.1.1" and data["valid"] is False
    findings = data["findings"]
    assert isinstance(findings, list)
    assert set(findings[0]) == {"severity", "rule", "message", "reference"}


# --- properties ---------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "550", "250", "354", "421", "571", "5", "4", "2", "X", "x", ".", "-", " ", "\t", "\r\n",
        "\n", "7", "26", "01", "1000", "5.7.26", "4.1.1", "X.6.10", "2.0.0", "é", "\x00", ":", "a",
    ]
)  # fmt: skip
_CODE_LIKE = st.lists(_PIECES, max_size=12).map("".join)
_ANY_TEXT = st.one_of(st.text(max_size=200), _CODE_LIKE)


def _check_all(validations: list[Validation]) -> None:
    for v in validations:
        assert v.valid == all(f.severity != "error" for f in v.findings)
        for f in v.findings:
            assert f.severity in ("error", "warning", "info")
            assert f.reference.startswith("RFC ")
            assert f.rule and f.message
            assert "\n" not in f.message


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT)
def test_validate_never_raises_and_cites_rfcs(text: str) -> None:
    _check_all(validate(text))
    _check_all(validate_lines(text))
    _check_all([validate_reply(text), validate_code(text)])


def test_a_bad_code_beside_a_good_one_is_reported_not_dropped() -> None:
    # "6.1.1" is no code find_codes would report (class 6): validate used to drop it and call
    # the rest valid.
    found = validate("5.7.26 6.1.1")
    assert [(v.input, v.valid) for v in found] == [("5.7.26", True), ("6.1.1", False)]
    assert found[1].findings[0].rule == "enhanced-syntax"
    assert [v.input for v in validate("6.1.1 7.1.1")] == ["6.1.1", "7.1.1"]
    # An IP address is not read as codes.
    assert [v.input for v in validate("host 192.0.2.1 said 5.7.1")] == ["5.7.1"]


def test_a_triple_in_prose_beside_a_code_is_no_code() -> None:
    for text in (
        "5.7.1 blocked, see RFC 3463 section 3.3.1",
        "postfix 3.8.1 said 5.7.1",
        "5.7.1 retry on 1.2.2026",
    ):
        assert [v.input for v in validate(text)] == ["5.7.1"], text
