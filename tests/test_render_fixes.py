"""Defects a fresh-user trial found in output: each test fails without its fix."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from conftest import Invoke

from smtpcodes.render import brief, short_source
from smtpcodes.validate import PER_RULE, validate_reply

# --- 1. validate: findings and output proportional to the input ------------------------------------


def _junk(lines: int, seed: int = 1) -> str:
    """Lines that begin with no reply code, some over 512 octets, with escapes and tabs (text:
    `validate` refuses binary data)."""
    rng = random.Random(seed)
    alphabet = "abc xyz\t\x1b~é"
    return "\n".join(
        "".join(rng.choice(alphabet) for _ in range(rng.choice((20, 600)))) for _ in range(lines)
    )


def test_one_reply_of_junk_lines_gives_a_few_findings_per_rule() -> None:
    v = validate_reply(_junk(2000))
    by_rule: dict[str, list[str]] = {}
    for f in v.findings:
        by_rule.setdefault(f.rule, []).append(f.message)
    assert set(by_rule) == {"reply-syntax", "line-too-long"}
    for rule, messages in by_rule.items():
        assert len(messages) == PER_RULE + 1, rule
        assert all(m.startswith("line ") for m in messages[:PER_RULE]), messages
    syntax = [f for f in v.findings if f.rule == "reply-syntax"]
    assert [f.message.split(" ")[1] for f in syntax[:PER_RULE]] == ["1", "2", "3"]
    rest = syntax[-1]
    assert rest.severity == "error" and rest.reference == "RFC 5321 section 4.2"
    assert rest.message.startswith(f"{2000 - PER_RULE:,} more lines ")
    assert "lines 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 and 1,987 more" in rest.message
    assert not v.valid


def test_a_few_bad_lines_are_each_described() -> None:
    v = validate_reply(_junk(PER_RULE))
    assert [f.message.split(" ")[1] for f in v.findings if f.rule == "reply-syntax"] == [
        "1",
        "2",
        "3",
    ]
    one_more = validate_reply(_junk(PER_RULE + 1))
    last = [f for f in one_more.findings if f.rule == "reply-syntax"][-1]
    assert last.message.startswith("1 more line with the same problem") and "line 4" in last.message


def test_per_line_enhanced_findings_are_summed_up_too() -> None:
    reply = "550-5.7.1 first\n" + "550-no code here\n" * 50 + "550 5.7.2 last"
    v = validate_reply(reply)
    missing = [f for f in v.findings if f.rule == "missing-enhanced-on-line"]
    assert len(missing) == PER_RULE + 1
    assert missing[-1].message.startswith("47 more lines ")
    assert len([f for f in v.findings if f.rule == "multiline-enhanced-mismatch"]) == 1


def test_validate_plain_output_stays_proportional(invoke: Invoke) -> None:
    r = invoke("validate", "--format", "plain", input=_junk(1500))
    assert r.exit_code == 1
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert len(rows) == 2 * (PER_RULE + 1)
    assert len(r.stdout) < 5_000  # it was the whole input again on every row: megabytes
    for row in rows:
        assert len(row) == 5
        assert len(row[0]) <= 80 and row[0].endswith("…")
    assert "\\x1b" in rows[0][0] and "\x1b" not in r.stdout  # escaped, as before


def test_validate_table_output_stays_proportional(invoke: Invoke) -> None:
    r = invoke("validate", "--format", "table", input=_junk(1500))
    assert r.exit_code == 1
    assert len(r.stdout) < 30_000
    assert f"{1500 - PER_RULE:,}" in r.stdout  # the lines not described, counted


def test_validate_json_keeps_the_whole_input(invoke: Invoke) -> None:
    data = _junk(300)
    r = invoke("validate", "--json", input=data)
    (v,) = json.loads(r.stdout)
    assert v["input"] == data
    assert len(v["findings"]) == 2 * (PER_RULE + 1)


def test_brief_is_one_line_and_short() -> None:
    assert brief("550 5.7.1 ok") == "550 5.7.1 ok"
    assert brief("550-a\r\n550  b\t c\n") == "550-a 550 b c"
    assert brief(None) == ""
    long = brief("x" * 500)
    assert long == "x" * 79 + "…"
    # An escape is never cut in half.
    cut = brief("a" * 76 + "\x1b" * 10)
    assert cut.endswith("…") and len(cut) <= 80 and not cut[:-1].endswith(("\\", "\\x", "\\x1"))
    assert brief("\u202e" + "y" * 10) == "\\u202e" + "y" * 10


# --- 2. explain plain: recipient and location, as the last two columns -----------------------------


def _bounce(recipient: str) -> str:
    return (
        "From: MAILER-DAEMON@mx.example.org\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "To: sender@example.org\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
        "--b\nContent-Type: text/plain\n\n"
        f"<{recipient}>: host mx.example.net[192.0.2.1] said: 550 5.1.1 user unknown"
        " (in reply to RCPT TO command)\n\n"
        "--b\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.org\n\n"
        f"Final-Recipient: rfc822; {recipient}\n"
        "Action: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n\n"
        "--b--\n"
    )


def test_explain_plain_tells_mbox_messages_apart(invoke: Invoke, tmp_path: Path) -> None:
    mbox = tmp_path / "bounces.mbox"
    mbox.write_text(
        "".join(
            f"From MAILER-DAEMON Fri Nov 20 10:00:00 2026\n{_bounce(r)}\n"
            for r in ("ann@example.com", "bob@example.com")
        )
    )
    r = invoke("explain", "-f", str(mbox), "--format", "plain")
    assert r.exit_code == 0, r.stderr
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert len(rows) == 2
    assert all(len(row) == 10 for row in rows)
    assert rows[0][:8] == rows[1][:8]  # the first eight columns as before: the same reply
    assert [row[8:] for row in rows] == [
        ["ann@example.com", f"{mbox}#1"],
        ["bob@example.com", f"{mbox}#2"],
    ]


def test_explain_plain_without_recipient_or_location(invoke: Invoke) -> None:
    for args in (["5.7.26"], ["550 5.7.1 Relaying denied"]):
        r = invoke("explain", *args, "--format", "plain")
        (line,) = r.stdout.splitlines()
        assert line.split("\t")[8:] == ["-", "-"], line


# --- 3. the plain title and the panel heading say what the verdict believes ------------------------

MS_5110 = "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found'"
MS_DBEB = "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)"


def _plain(invoke: Invoke, text: str) -> list[str]:
    r = invoke("explain", text, "--format", "plain")
    assert r.exit_code == 0, r.stderr
    (line,) = r.stdout.splitlines()
    return line.split("\t")


def test_plain_title_is_the_providers_meaning_when_the_text_wins(invoke: Invoke) -> None:
    row = _plain(invoke, MS_5110)
    assert row[4] == "user-unknown"
    assert "null MX" not in row[7] and "recipient was not found" in row[7]
    row = _plain(invoke, MS_DBEB)
    assert row[4] == "user-unknown"
    assert row[7] != "No answer from host" and "Directory-Based Edge Blocking" in row[7]


def test_plain_title_is_the_categorys_when_a_generic_rule_wins(invoke: Invoke) -> None:
    row = _plain(invoke, "550 5.4.1 User unknown")
    assert row[4] == "user-unknown"
    assert row[7] == "Recipient address does not exist"


def test_plain_title_of_a_bare_code_is_the_registrys(invoke: Invoke) -> None:
    assert _plain(invoke, "5.7.26")[7] == "Multiple authentication checks failed"
    assert _plain(invoke, "5.1.10")[7] == "Recipient address has null MX"
    # A rule that read the text decides the title too, even where the code agrees with it
    # (fifth trial: IANA's "Delivery not authorized" said less than the verdict).
    assert _plain(invoke, "550 5.7.1 Relaying denied")[7] == "Relaying denied"
    assert _plain(invoke, "550 5.7.1 zzz qqq")[7] == "Delivery not authorized, message refused"


def test_json_title_stays_the_registrys(invoke: Invoke) -> None:
    r = invoke("explain", MS_5110, "--json")
    (item,) = json.loads(r.stdout)
    assert item["title"] == "Recipient address has null MX"


def test_panel_heading_makes_the_same_choice(invoke: Invoke) -> None:
    r = invoke("explain", MS_DBEB, "--format", "table", "--no-color")
    flat = " ".join(r.stdout.split())
    heading = r.stdout.splitlines()[0]
    assert "Directory-Based Edge Blocking" in heading and "No answer from host" not in heading
    assert "Code title No answer from host" in flat  # the registry's title is still shown
    assert "Provider says" not in flat  # the heading says it already


# --- 4. list and search tables: titles win the width -----------------------------------------------


def _header_cells(table: str) -> dict[str, int]:
    """Each header's column width (between the box lines), from the header rows of a table."""
    header = [line for line in table.splitlines() if line.startswith("┃")]
    widths: dict[str, int] = {}
    for line in header:
        for cell in line.strip("┃").split("┃"):
            if cell.strip():
                widths[cell.strip()] = len(cell)
    return widths


@pytest.mark.parametrize("columns", [40, 60, 80, 120])
@pytest.mark.parametrize(
    "args",
    [
        ["list", "--kind", "enhanced", "--subject", "1"],
        ["search", "relay"],  # enhanced, reply and rules mixed
        ["search", "dkim"],  # rules: ids of 30 characters and more
    ],
)
def test_titles_win_at_narrow_widths(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, args: list[str], columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    r = invoke(*args, "--format", "table")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert all(len(line) <= columns for line in lines)
    assert all(line[-1] in "┓┃┩│┘" for line in lines)  # no row cropped at the edge
    widths = _header_cells(r.stdout)
    title = widths.get("Title") or widths["Code and title"]
    assert title >= min(30, columns - 12), widths
    if args[0] == "list":
        # Titles are wrapped, never cut: at 40 columns the title column was 3 characters, "Ti…".
        assert "…" not in r.stdout


def test_list_titles_are_whole_at_40_columns(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    r = invoke("list", "--kind", "enhanced", "--subject", "1", "--format", "table")
    titles = [line.split("│")[2].strip() for line in r.stdout.splitlines() if line.startswith("│")]
    words = " ".join(titles).split()
    for expected in ("Other", "address", "status", "destination", "mailbox", "forwarding"):
        assert expected in words
    assert not [w for w in words if w.endswith("…")]


# --- 5. the search table's Reference column: a rule's source, not its provider ---------------------


def test_rule_rows_show_their_source(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    r = invoke("search", "mimecast", "--format", "table")
    assert r.exit_code == 0, r.stderr
    rows = [line.split("│") for line in r.stdout.splitlines() if line.startswith("│")]
    references = [row[-2].strip() for row in rows if row[1].strip()]
    assert references and "mimecast" not in references
    assert all(ref.startswith(("github.com/", "community.", "mimecast")) for ref in references)
    assert "github.com/sisimai/p5-sisimai" in references


def test_short_source() -> None:
    long = (
        "github.com/sisimai/p5-sisimai lib/Sisimai/Rhost/Mimecast.pm (cites https://x.example/a);"
        " see also https://y.example/b"
    )
    assert short_source(long) == "github.com/sisimai/p5-sisimai lib/Sisimai/Rhost/Mimecast.pm"
    assert short_source("https://www.spamhaus.org/blocklists/pbl/ (PBL)") == (
        "spamhaus.org/blocklists/pbl/"
    )
    cut = short_source("https://example.com/" + "a" * 100)
    assert len(cut) == 60 and cut.endswith("…")
    assert short_source(None) == ""


def test_a_panel_heading_too_long_for_the_width_ends_in_an_ellipsis(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    r = invoke("explain", "5.7.26", "--format", "table")
    assert r.exit_code == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert "Multiple authentication c…" in first and len(first) <= 40


def test_the_panel_says_what_the_deciding_rule_means(invoke: Invoke) -> None:
    fml = Path(__file__).resolve().parent / "fixtures" / "parse" / "fml-loop.eml"
    r = invoke("explain", "-f", str(fml), "--format", "table")
    assert r.exit_code == 0, r.stderr
    assert "Rule says" in r.stdout and "has seen this Message-ID before" in r.stdout
