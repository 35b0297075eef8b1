"""RFC 2034 section 4 says one "must" for a missing and for a different code on a line."""

from __future__ import annotations

from smtpcodes.validate import validate_reply


def test_missing_and_different_codes_on_a_line_weigh_the_same() -> None:
    # "When responses are continued across multiple lines the same status code must appear at
    # the beginning of the text in each line of the response."
    missing = validate_reply("550-5.7.1 Refused\n550 by policy")
    different = validate_reply("550-5.7.1 Refused\n550 5.7.2 by policy")
    [m] = [f for f in missing.findings if f.rule == "missing-enhanced-on-line"]
    [d] = [f for f in different.findings if f.rule == "multiline-enhanced-mismatch"]
    assert m.severity == d.severity == "error"
    assert m.reference == d.reference == "RFC 2034 section 4"
    assert not missing.valid and not different.valid


def test_a_reply_with_no_enhanced_code_at_all_is_left_alone() -> None:
    # The server may not support ENHANCEDSTATUSCODES; 3xx replies carry none (RFC 2034 section 4).
    assert validate_reply("550-Refused\n550 by policy").valid
    assert validate_reply("354-5.0.0 go on\n354 end with a dot").valid
