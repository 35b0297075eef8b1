"""A pairing an RFC prescribes is not 'unusual', even where the registry's list lacks it."""

from __future__ import annotations

import pytest

from smtpcodes.validate import validate_code, validate_reply


@pytest.mark.parametrize(
    "pair",
    [
        "554 5.6.9",  # RFC 6531 section 3.5 (IANA lists X.6.9 with 550 only)
        "452 4.5.3",  # RFC 5321 section 4.5.3.1.10 (IANA lists X.5.3 with 451 only)
        "554 5.7.0",  # RFC 4468 section 3.4's example (IANA lists X.7.0 without 554)
    ],
)
def test_rfc_prescribed_pairings_are_not_unusual(pair: str) -> None:
    v = validate_code(pair)
    assert v.valid and not v.findings
    reply = validate_reply(f"{pair} Too many recipients")
    assert "unusual-pairing" not in {f.rule for f in reply.findings}


def test_other_unlisted_pairings_still_warn() -> None:
    assert {f.rule for f in validate_code("552 5.5.3").findings} == {"unusual-pairing"}
    assert {f.rule for f in validate_code("550 5.6.9").findings} == set()
