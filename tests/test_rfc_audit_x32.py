"""X.3.2 is a host not accepting messages for now (shutdown, load, maintenance), not a domain that
accepts no mail (RFC 3463 section 3.4)."""

from __future__ import annotations

import pytest

from smtpcodes.diagnose import diagnose


@pytest.mark.parametrize(
    "reply",
    [
        "421 4.3.2 Service shutting down",
        "421 4.3.2 Service not available, closing transmission channel",
        "4.3.2",
    ],
)
def test_a_transient_x32_is_a_system_error_to_retry(reply: str) -> None:
    [verdict] = diagnose(reply)
    assert verdict.category == "system-error"
    assert verdict.retry == "later"
    assert verdict.bounce == "soft"
    assert "Do not retry" not in verdict.action


def test_the_text_still_says_when_a_host_accepts_no_mail() -> None:
    # RFC 7504 section 3: 521 with "does not accept mail" is a host that never accepts mail.
    [verdict] = diagnose("521 5.3.2 Host does not accept mail")
    assert verdict.category == "domain-rejects-mail"
    assert verdict.bounce == "hard"
