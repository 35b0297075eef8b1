"""Fixes from the fifth user trial: what the panel, the tables and plain lines say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Invoke

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scan"


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


# -- narrow terminals: headers never break mid-word, and values are never all "…" -----------------

SCAN_LOGS = [str(FIXTURES / "postfix.log"), str(FIXTURES / "exim.log")]
HEADER_WORDS = {
    "Code",
    "Kind",
    "Title",
    "Codes",
    "Reference",
    "Input",
    "Severity",
    "Finding",
    "Count",
    "Category",
    "Share",
    "Reason",
    "(addresses,",
    "IPs",
    "and",
    "ids",
    "replaced)",
    "Example",
    "Class",
    "Bounce",
    "Provider",
    "Recipient",
    "domain",
    "title",
}
TABLES = [
    ("list", "--kind", "reply", "--class", "4"),
    ("list",),
    ("search", "-i", "dkim"),
    ("search", "--kind", "rule", "tss04"),
    ("validate", "550-5.7.1 Blocked\r\n550 5.7.2 See policy"),
    ("scan", *SCAN_LOGS),
]


@pytest.mark.parametrize("columns", [40, 50, 60, 70, 80, 100, 120])
@pytest.mark.parametrize("args", TABLES, ids=lambda a: " ".join(a[:3])[:30])
def test_table_headers_never_break_mid_word(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, columns: int, args: tuple[str, ...]
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    shown = invoke(*args, "--format", "table").stdout
    for line in shown.splitlines():
        if line.startswith("┃"):
            for word in line.replace("┃", " ").split():
                assert word in HEADER_WORDS, (columns, line)


def test_list_reply_codes_at_80_columns_keeps_its_code_header(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    header = invoke("list", "--kind", "reply", "--class", "4", "--format", "table").stdout
    assert header.splitlines()[1].startswith("┃ Code ┃ Title")


@pytest.mark.parametrize("columns", [20, 30])
def test_narrow_terminals_show_every_value(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))

    def flat(*args: str) -> str:
        result = invoke(*args, "--format", "table")
        for line in result.stdout.splitlines():
            assert len(line.rstrip()) <= columns, line
            assert line.strip() != "…" and not line.rstrip().endswith(" …"), line
        return " ".join(result.stdout.split())

    explained = flat("explain", "550 5.1.1 user unknown")
    assert "Verdict: user-unknown (hard bounce)" in explained
    assert "Whose problem: sender" in explained
    validated = flat("validate", "550 4.7.1 Access denied")
    assert "error: enhanced code class 4 does not match reply code 550" in validated
    assert "(class-mismatch; RFC 2034 section 4)" in validated
    scanned = flat("scan", *SCAN_LOGS)
    assert "user-unknown: 2 (33.3%)" in scanned
    assert "1x reputation 421 4.7.0: [TSS04] Messages from <ip>" in scanned
    listed = flat("list", "--kind", "reply", "--class", "4")
    assert "421 <domain> Service not available, closing transmission channel" in listed


def test_a_panel_at_40_columns_is_still_a_panel(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    shown = invoke("explain", "550 5.1.1 user unknown", "--format", "table").stdout
    assert shown.startswith("╭─ 550 5.1.1")
