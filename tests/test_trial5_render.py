"""Fixes from the fifth user trial: what the panel, the tables and plain lines say."""

from __future__ import annotations

import json

import pytest
from conftest import Invoke


def _rows(text: str) -> list[str]:
    """The panel's rows, without its border."""
    return [line.strip("│ ").rstrip() for line in text.splitlines()]


def test_a_reply_code_lists_its_enhanced_codes_under_that_label(invoke: Invoke) -> None:
    reply = invoke("explain", "550", "--format", "table")
    assert reply.exit_code == 0
    assert any(r.startswith("Enhanced codes  5.1.1, ") for r in _rows(reply.stdout))
    assert not any(r.startswith("Reply codes") for r in _rows(reply.stdout))
    enhanced = invoke("explain", "5.1.1", "--format", "table")
    assert any(r.startswith("Reply codes") and "550" in r for r in _rows(enhanced.stdout))
    assert not any(r.startswith("Enhanced codes") for r in _rows(enhanced.stdout))


@pytest.mark.parametrize("args", [("550",), ("550 user unknown",)])
def test_the_label_holds_on_every_path(invoke: Invoke, args: tuple[str, ...]) -> None:
    # "550" alone is answered from the index, a reply by the core: the same label.
    shown = invoke("explain", *args, "--format", "table").stdout
    assert "Reply codes    5." not in shown


TSS04 = (
    "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or"
    " user complaints"
)
GMAIL_DMARC = (
    "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC"
    " policy. 550 5.7.26 gsmtp"
)


@pytest.mark.parametrize("columns", [60, 80])
@pytest.mark.parametrize("reply", [TSS04, GMAIL_DMARC])
def test_a_cut_heading_is_given_whole_in_the_first_row(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, columns: int, reply: str
) -> None:
    [item] = json.loads(invoke("explain", "--json", reply).stdout)
    title = item["provider_meaning"]
    assert title
    monkeypatch.setenv("COLUMNS", str(columns))
    shown = invoke("explain", "--format", "table", reply).stdout
    lines = shown.splitlines()
    assert "…" in lines[0]  # a sentence the border cannot hold
    assert lines[1].startswith("│ Title ")
    body = " ".join(shown.replace("│", " ").split())
    assert f"Title {title} Verdict" in body


def test_a_whole_heading_is_not_repeated(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    shown = invoke("explain", "--format", "table", TSS04).stdout
    assert "(TSS04)." in shown.splitlines()[0]
    assert "│ Title " not in shown


def _plain(invoke: Invoke, text: str) -> list[str]:
    result = invoke("explain", "--format", "plain", text)
    assert result.exit_code == 0, result.stderr
    return result.stdout.rstrip("\n").split("\t")


@pytest.mark.parametrize(
    ("reply", "category", "title"),
    [
        ("451 4.7.1 Greylisted, please try again", "greylisted", "Greylisted (try again shortly)"),
        (
            "530 5.7.0 Must issue a STARTTLS command first",
            "tls-required",
            "Encryption (TLS) required or failed",
        ),
        ("554 5.7.1 Spam message rejected", "spam-content", "Rejected as spam"),
        ("452 4.2.2 Mailbox full", "mailbox-full", "Recipient mailbox is full"),
    ],
)
def test_the_title_says_what_a_rule_decided(
    invoke: Invoke, reply: str, category: str, title: str
) -> None:
    row = _plain(invoke, reply)
    assert (row[4], row[7]) == (category, title)
    [item] = json.loads(invoke("explain", "--json", reply).stdout)
    assert item["category_title"] == title
    assert item["title"] != title  # JSON's title stays the registry's
    panel = invoke("explain", "--format", "table", reply).stdout
    assert title in panel.splitlines()[0]
    assert f"Code title     {item['title']}" in panel


def test_a_providers_meaning_still_wins(invoke: Invoke) -> None:
    row = _plain(
        invoke,
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
    )
    assert (
        row[7]
        == "The recipient was not found in the destination organisation's directory (5.1.10)."
    )


def test_a_code_alone_keeps_the_registrys_title(invoke: Invoke) -> None:
    assert _plain(invoke, "5.7.1")[7] == "Delivery not authorized, message refused"
    assert _plain(invoke, "550")[7] == "Requested action not taken: mailbox unavailable"
