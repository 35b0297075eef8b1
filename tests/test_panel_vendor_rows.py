"""What a verdict's panel says about a DSN's Action and about other providers' use of a code."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Invoke

DELAY = (
    "From: MAILER-DAEMON@mx.example.net\nTo: sender@example.org\nSubject: Delayed Mail\n"
    'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"'
    "\n\n--B\nContent-Type: text/plain\n\nA message is delayed.\n\n--B\n"
    "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
    "Final-Recipient: rfc822; bob@example.com\nAction: delayed\nStatus: 4.4.7\n\n--B--\n"
)


def _body(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def test_a_delay_notice_says_it_is_a_warning(invoke: Invoke) -> None:
    shown = _body(invoke("explain", "--format", "table", input=DELAY).stdout)
    assert "Report delayed (a warning: the sending server is still trying)" in shown


def test_another_providers_use_of_the_code_stays_out_of_a_verdict(invoke: Invoke) -> None:
    # Microsoft's reading of 4.4.7 under a delay notice from another MTA read as the diagnosis.
    shown = _body(invoke("explain", "--format", "table", input=DELAY).stdout)
    assert "Microsoft" not in shown
    # The code alone still lists every provider's reading: they are the ways to read it.
    alone = _body(invoke("explain", "--format", "table", "4.4.7").stdout)
    assert "Vendor meaning Microsoft 365" in alone


def test_a_providers_use_of_the_code_is_said_once(invoke: Invoke) -> None:
    reply = "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"
    shown = _body(invoke("explain", "--format", "table", reply).stdout)
    assert "Provider Microsoft 365" in shown
    # Its Vendor meaning row (with the source) says it once; the explanation's note is the same.
    assert shown.count("Vendor meaning") == 1
    assert "uses 5.1.10 to mean" not in shown


def test_the_summary_counts_hard_and_soft_and_names_examples_by_file(
    invoke: Invoke, tmp_path: Path
) -> None:
    folder = tmp_path / "a" / "very" / "long" / "folder"
    folder.mkdir(parents=True)
    (folder / "one.eml").write_text(DELAY.replace("Action: delayed", "Action: failed"))
    shown = invoke("scan", str(folder), "--summary", "--format", "table").stdout
    assert "By bounce" in shown
    assert "one.eml" in shown and str(folder) not in shown


def test_a_providers_reading_the_verdict_shares_is_shown_when_no_sender_is_known(
    invoke: Invoke,
) -> None:
    # No provider told; Microsoft's 5.1.10 ("recipient not found") is the verdict's reading.
    shown = _body(invoke("explain", "--format", "table", "550 5.1.10 Recipient not found").stdout)
    assert "Vendor meaning Microsoft 365" in shown
