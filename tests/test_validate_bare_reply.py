"""'550 ' is a reply with no text (RFC 5321 section 4.2), whether it comes as an argument or on stdin."""

from __future__ import annotations

import pytest
from conftest import Invoke

from smtpcodes.validate import validate, validate_lines, validate_reply


def _rules(text: str) -> list[tuple[str, str]]:
    return [(f.rule, f.severity) for v in validate(text) for f in v.findings]


@pytest.mark.parametrize("text", ["550 ", "550  ", "421 \r\n", " 250 "])
def test_a_code_and_a_space_is_a_bare_reply(text: str) -> None:
    # "the text is sometimes not sent ... clients ... SHOULD be prepared to process the code alone
    # (with or without a trailing space character)": a bare code, which senders SHOULD NOT send.
    assert ("bare-code", "warning") in _rules(text)
    assert _rules(text) == [
        (f.rule, f.severity) for f in validate_reply(text.strip("\r\n").lstrip()).findings
    ]
    assert [(f.rule, f.severity) for v in validate_lines(text) for f in v.findings] == _rules(text)


def test_a_code_alone_is_still_a_question_about_the_code() -> None:
    assert _rules("550") == []
    assert _rules("550 5.1.1") == []


def test_argument_and_stdin_agree(invoke: Invoke) -> None:
    argument = invoke("validate", "550 ")
    stdin = invoke("validate", "-", input="550 \r\n")
    assert argument.stdout == stdin.stdout
    assert argument.exit_code == stdin.exit_code
    assert "bare-code" in argument.stdout
