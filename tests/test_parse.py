"""The text parser: codes, replies, multi-line and flattened replies, NDR prose, log lines."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtpcodes.codes import enhanced_problem, reply_code_problem
from smtpcodes.parse import Reply, detect_kind, parse_log_line, parse_text

FIXTURES = Path(__file__).parent / "fixtures" / "parse"

GMAIL_LINES = (
    "550-5.7.26 This mail is unauthenticated, which poses a security risk to the",
    "550-5.7.26 sender and Gmail users, and has been blocked.",
    "550 5.7.26 https://support.google.com/mail/answer/81126#authentication - gsmtp",
)
GMAIL_TEXT = (
    "This mail is unauthenticated, which poses a security risk to the sender and Gmail users, "
    "and has been blocked. https://support.google.com/mail/answer/81126#authentication - gsmtp"
)


def one(text: str, kind: str = "auto") -> Reply:
    replies = parse_text(text, kind)
    assert len(replies) == 1, replies
    return replies[0]


# --- detect_kind --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("550 5.7.26", "codes"),
        ("5.7.26 X.7.1 421", "codes"),
        ("  550, 5.1.1; 421 ", "codes"),
        ("550 5.1.1 User unknown", "reply"),
        ("Connection timed out", "reply"),
        ("Diagnostic-Code: smtp; 550 5.1.1 no such user", "reply"),
        ("From MAILER-DAEMON Fri Nov 20 10:00:00 2026\nFrom: x@example.org\n\nbody", "email"),
        ("Return-Path: <>\nFrom: MAILER-DAEMON@example.org\nSubject: x\n\nbody", "email"),
        ("Received: from a by b; Fri, 20 Nov 2026\n  10:00:00 +0000\nTo: a@b.example\n\n", "email"),
        ("Nov 20 10:00:01 mail postfix/smtp[1]: 4B: to=<a@b.example>, status=sent (ok)", "log"),
        ("2026-11-20 10:00:01 1vABcD-000Xyz-Ab ** a@b.example: Unrouteable address", "log"),
        ("", "reply"),
    ],
)
def test_detect_kind(text: str, kind: str) -> None:
    assert detect_kind(text) == kind


# --- codes --------------------------------------------------------------------------------------


def test_codes_pair_a_reply_code_with_the_enhanced_code_after_it() -> None:
    reply = one("550 5.7.26")
    assert (reply.reply_code, reply.enhanced_code, reply.origin, reply.text) == (
        "550",
        "5.7.26",
        "codes",
        "",
    )


def test_codes_one_reply_per_token() -> None:
    replies = parse_text("5.7.26 X.7.1 421")
    assert [(r.reply_code, r.enhanced_code) for r in replies] == [
        (None, "5.7.26"),
        (None, "X.7.1"),
        ("421", None),
    ]


# --- replies ------------------------------------------------------------------------------------


def test_bare_reply_line() -> None:
    reply = one("550 5.1.1 <a@example.com>: Recipient address rejected: User unknown")
    assert reply.reply_code == "550"
    assert reply.enhanced_code == "5.1.1"
    assert reply.text == "<a@example.com>: Recipient address rejected: User unknown"
    assert reply.origin == "reply"


def test_multiline_reply_is_one_reply_with_its_lines() -> None:
    reply = one("\n".join(GMAIL_LINES))
    assert reply.origin == "multiline"
    assert reply.lines == GMAIL_LINES
    assert (reply.reply_code, reply.enhanced_code) == ("550", "5.7.26")
    assert reply.text == GMAIL_TEXT


def test_multiline_reply_with_crlf_and_indentation() -> None:
    reply = one("\r\n".join("   " + line for line in GMAIL_LINES) + "\r\n")
    assert reply.text == GMAIL_TEXT
    assert len(reply.lines) == 3


def test_flattened_multiline_reply_is_one_reply_without_prefixes() -> None:
    reply = one(" ".join(GMAIL_LINES))
    assert (reply.reply_code, reply.enhanced_code) == ("550", "5.7.26")
    assert reply.text == GMAIL_TEXT
    assert "550" not in reply.text


def test_flattened_reply_inside_postfix_prose() -> None:
    text = (
        "host gmail-smtp-in.l.google.com[142.250.102.27] said: "
        + " ".join(GMAIL_LINES)
        + " (in reply to end of DATA command)"
    )
    reply = one(text)
    assert reply.text == GMAIL_TEXT
    assert reply.smtp_command == "DATA"
    assert reply.remote_host == "gmail-smtp-in.l.google.com"
    assert reply.remote_ip == "142.250.102.27"
    assert reply.origin == "postfix"


def test_continuation_prefix_without_enhanced_code() -> None:
    reply = one("421-mx.example.com busy\n421-try later\n421 closing connection")
    assert reply.text == "mx.example.com busy try later closing connection"
    assert reply.enhanced_code is None


def test_exchange_ndr_prose() -> None:
    reply = one("Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'")
    assert (reply.reply_code, reply.enhanced_code) == ("550", "5.1.1")
    assert reply.text == "RESOLVER.ADR.RecipNotFound; not found"
    assert reply.origin == "exchange-ndr"


def test_exchange_hash_form() -> None:
    reply = one("#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##")
    assert (reply.reply_code, reply.enhanced_code) == ("550", "5.1.1")
    assert reply.text == "RESOLVER.ADR.RecipNotFound; not found"


def test_gmail_ndr_prose() -> None:
    reply = one(
        "The response from the remote server was:\n"
        "550 5.1.1 The email account that you tried to reach does not exist."
    )
    assert (reply.reply_code, reply.enhanced_code) == ("550", "5.1.1")
    assert reply.text == "The email account that you tried to reach does not exist."
    assert reply.origin == "gmail-ndr"


def test_diagnostic_code_field() -> None:
    reply = one("Diagnostic-Code: smtp; 550 5.1.1 <a@example.com>... User unknown")
    assert (reply.reply_code, reply.enhanced_code) == ("550", "5.1.1")
    assert reply.diagnostic_type == "smtp"
    assert reply.origin == "dsn"
    assert reply.text == "<a@example.com>... User unknown"


def test_pasted_dsn_fields() -> None:
    reply = one(
        "Final-Recipient: rfc822; a@example.com\n"
        "Action: failed\n"
        "Status: 5.2.2\n"
        "Remote-MTA: dns; mx.example.com\n"
        "Diagnostic-Code: smtp; 552-5.2.2 The recipient's inbox is out of storage space.\n"
        " 552 5.2.2 Please direct the recipient to free up space - gsmtp\n"
    )
    assert reply.recipient == "a@example.com"
    assert (reply.dsn_status, reply.dsn_action, reply.remote_host) == (
        "5.2.2",
        "failed",
        "mx.example.com",
    )
    assert reply.text == (
        "The recipient's inbox is out of storage space. "
        "Please direct the recipient to free up space - gsmtp"
    )


def test_qmail_code_in_parentheses() -> None:
    reply = one("Sorry, I couldn't find any host named example.invalid. (#5.1.2)")
    assert (reply.reply_code, reply.enhanced_code) == (None, "5.1.2")
    assert reply.text == "Sorry, I couldn't find any host named example.invalid."
    assert reply.origin == "qmail"


def test_qmail_remote_reply_takes_the_trailing_code() -> None:
    reply = one("remote host 192.0.2.32 said: 550 Unknown user kijitora@example.net\n. (#5.5.0)")
    assert (reply.reply_code, reply.enhanced_code, reply.remote_ip) == (
        "550",
        "5.5.0",
        "192.0.2.32",
    )
    assert reply.text == "Unknown user kijitora@example.net ."


def test_exim_smtp_error() -> None:
    reply = one(
        "SMTP error from remote mail server after RCPT TO:<a@example.com>:\n"
        "    host mx.example.com [192.0.2.10]: 550 5.1.1 No such user here"
    )
    assert (reply.reply_code, reply.enhanced_code) == ("550", "5.1.1")
    assert reply.text == "No such user here"
    assert (reply.smtp_command, reply.recipient) == ("RCPT TO", "a@example.com")
    assert (reply.remote_host, reply.remote_ip) == ("mx.example.com", "192.0.2.10")
    assert reply.origin == "exim"


def test_postfix_host_said() -> None:
    reply = one(
        "<a@example.com>: host mx.example.com[192.0.2.10] said: 550 5.1.1 <a@example.com>: "
        "Recipient address rejected: User unknown (in reply to RCPT TO command)"
    )
    assert (reply.remote_host, reply.remote_ip) == ("mx.example.com", "192.0.2.10")
    assert reply.recipient == "a@example.com"
    assert reply.smtp_command == "RCPT TO"
    assert reply.text == "<a@example.com>: Recipient address rejected: User unknown"


def test_sendmail_transcript_gives_one_reply_per_server_line() -> None:
    replies = parse_text(
        "... while talking to mx.example.com.:\n"
        ">>> RCPT To:<a@example.com>\n"
        "<<< 550 5.1.1 <a@example.com>... User unknown\n"
        "<<< 503 5.0.0 Need RCPT (recipient)\n"
    )
    assert [(r.reply_code, r.enhanced_code) for r in replies] == [
        ("550", "5.1.1"),
        ("503", "5.0.0"),
    ]
    assert replies[0].remote_host == "mx.example.com"
    assert replies[0].smtp_command == "RCPT TO"
    assert replies[0].origin == "sendmail"


def test_reply_code_needs_a_cue_in_prose() -> None:
    replies = parse_text("We sent 550 messages yesterday and SIZE=250 was fine")
    assert all(r.reply_code is None for r in replies)


def test_remote_mta_names_the_host() -> None:
    reply = one("Remote-MTA: dns; mx.example.com\nDiagnostic-Code: smtp; 554 5.7.1 Blocked")
    assert reply.remote_host == "mx.example.com"


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("Connection timed out", "connect"),
        ("Host not found", None),
        ("connect to mx.example.com[192.0.2.10]:25: Connection refused", "connect"),
    ],
)
def test_codeless_text_is_one_reply(text: str, command: str | None) -> None:
    reply = one(text)
    assert (reply.reply_code, reply.enhanced_code) == (None, None)
    assert reply.text == text
    assert reply.smtp_command == command


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n"])
def test_nothing_usable(text: str) -> None:
    assert parse_text(text) == []


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        parse_text("550", "nonsense")


def test_email_kind_delegates_to_the_bounce_parser() -> None:
    text = (FIXTURES / "qmail.eml").read_text()
    replies = parse_text(text)
    assert [r.recipient for r in replies] == ["nobody@example.com", "info@example.invalid"]
    assert all(r.message_kind == "bounce" for r in replies)


# --- log lines ----------------------------------------------------------------------------------


def log_replies(name: str) -> list[Reply]:
    return parse_text((FIXTURES / name).read_text(), "log")


def test_postfix_log() -> None:
    replies = log_replies("postfix.log")
    assert [(r.recipient, r.log_status) for r in replies] == [
        ("nobody@example.com", "bounced"),
        ("someone@gmail.com", "bounced"),
        ("user@example.net", "deferred"),
        ("user@example.edu", "deferred"),
        ("user@example.net", "deferred"),
        ("info@example.invalid", "bounced"),
        ("bob@mail.example.org", "bounced"),
        ("carol@example.org", "sent"),
        ("dave@example.org", "sent"),
        ("erin@example.com", "expired"),
        ("spam@example.org", "reject"),
        ("frank@example.com", "deferred"),
    ]
    first = replies[0]
    assert (first.reply_code, first.enhanced_code, first.dsn_status) == ("550", "5.1.1", "5.1.1")
    assert (first.remote_host, first.remote_ip, first.smtp_command) == (
        "mx.example.com",
        "192.0.2.10",
        "RCPT TO",
    )
    assert (first.queue_id, first.timestamp, first.origin) == (
        "4Bxyz3Lm9Qz8p",
        "Nov 20 10:00:01",
        "postfix",
    )
    assert first.text == (
        "<nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox table"
    )
    gmail = replies[1]
    assert gmail.text.startswith("This mail is unauthenticated")
    assert "550" not in gmail.text
    assert gmail.smtp_command == "DATA"
    timeout = replies[2]
    assert (timeout.reply_code, timeout.smtp_command, timeout.remote_host) == (
        None,
        "connect",
        "mx.example.net",
    )
    assert timeout.text == "connect to mx.example.net[192.0.2.20]:25: Connection timed out"
    assert replies[3].text.startswith("lost connection with mx.example.edu[192.0.2.30]")
    assert replies[4].text.startswith("delivery temporarily suspended: ")
    assert replies[6].remote_host is None  # relay=local is a transport, not a host
    assert replies[11].timestamp == "2026-11-20T10:05:07.123456+00:00"


def test_exim_log() -> None:
    replies = log_replies("exim.log")
    assert [(r.recipient, r.log_status) for r in replies] == [
        ("nobody@example.com", "**"),
        ("grey@example.net", "=="),
        ("slow@example.edu", "=="),
        ("friend@gmail.com", "=>"),
        ("friend2@gmail.com", "->"),
        ("lost@example.invalid", "**"),
        ("later@example.org", "=="),
        ("old@example.org", "**"),
    ]
    failed = replies[0]
    assert (failed.reply_code, failed.enhanced_code, failed.smtp_command) == (
        "550",
        "5.1.1",
        "RCPT TO",
    )
    assert (failed.remote_host, failed.remote_ip, failed.queue_id) == (
        "mx.example.com",
        "192.0.2.10",
        "1vABcD-000Xyz-Ab",
    )
    assert replies[1].text == "Greylisted, please try again later"
    assert replies[2].text == "Connection timed out"
    assert (replies[3].reply_code, replies[3].enhanced_code) == ("250", "2.0.0")
    assert replies[5].text == "Unrouteable address"
    assert (replies[7].smtp_command, replies[7].remote_host) == ("DATA", "mx.example.org")


def test_sendmail_log() -> None:
    replies = log_replies("sendmail.log")
    assert [(r.recipient, r.log_status, r.dsn_status) for r in replies] == [
        ("nobody@example.com", "bounced", "5.1.1"),
        ("busy@example.net", "deferred", "4.2.1"),
        ("far@example.edu", "deferred", "4.0.0"),
        ("friend@gmail.com", "sent", "2.0.0"),
        ("admin@example.com", "bounced", "5.0.0"),
        ("strict@example.com", "bounced", "5.1.1"),
    ]
    assert replies[0].text == "User unknown"
    assert (replies[0].remote_host, replies[0].remote_ip) == ("mx.example.com", "192.0.2.10")
    assert (replies[1].reply_code, replies[1].enhanced_code) == ("450", "4.2.1")
    assert replies[1].text == "Mailbox temporarily unavailable"
    assert replies[2].remote_host == "mx.example.edu"
    assert replies[3].text == "OK 1763632805 a1si1234567plh.125 - gsmtp"
    assert (replies[5].reply_code, replies[5].text) == (
        "550",
        "<strict@example.com>... User unknown",
    )


@pytest.mark.parametrize(
    "line",
    [
        "",
        "Nov 20 10:00:00 mail postfix/qmgr[900]: 4Bxyz3Lm9Qz8p: removed",
        "Nov 20 10:00:00 mail postfix/smtpd[4101]: connect from client.example.org[192.0.2.50]",
        "2026-11-20 10:00:05 1vABcD-000Xyz-Ab Completed",
        "2026-11-20 10:00:00 1vABcD-000Xyz-Ab <= s@example.org H=c [192.0.2.50] P=esmtp S=2",
        "Nov 20 10:00:02 mail sm-mta[2347]: 4AKA00xG002345: 4AKA02xG002347: DSN: User unknown",
        "550 5.1.1 User unknown",
        "we measured a => b and c ** d",
    ],
)
def test_lines_that_are_not_deliveries(line: str) -> None:
    assert parse_log_line(line) is None


def test_log_rejection_is_cheap() -> None:
    lines = [
        "Nov 20 10:00:00 mail postfix/smtpd[4101]: connect from client.example.org[192.0.2.50]",
        "Nov 20 10:00:00 mail postfix/cleanup[4102]: 4Bxyz3Lm9Qz8p: message-id=<1@example.org>",
        "Nov 20 10:00:00 mail postfix/qmgr[900]: 4Bxyz3Lm9Qz8p: removed",
    ] * 10_000
    start = time.process_time()
    assert all(parse_log_line(line) is None for line in lines)
    # Generous bound: the scanner needs about 100,000 lines a second, most of them rejected.
    assert time.process_time() - start < 1.0


def test_mixed_log_throughput() -> None:
    deliveries = [
        line
        for name in ("postfix.log", "exim.log", "sendmail.log")
        for line in (FIXTURES / name).read_text().splitlines()
        if parse_log_line(line) is not None
    ]
    noise = "Nov 20 10:00:00 mail postfix/smtpd[4101]: connect from client.example.org[192.0.2.50]"
    lines = [deliveries[i % len(deliveries)] if i % 10 == 0 else noise for i in range(20_000)]
    start = time.process_time()
    found = sum(1 for line in lines if parse_log_line(line) is not None)
    elapsed = time.process_time() - start
    assert found == 2_000
    # About 150,000 lines a second here; the bound leaves room for slow machines.
    assert len(lines) / elapsed > 30_000


# --- properties ---------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "550",
        "550-",
        "5.7.26",
        "X.7.1",
        "4.4.1 ",
        "(#5.1.1)",
        "said: ",
        "host mx.example.com[192.0.2.1] ",
        "<a@example.com>: ",
        "RCPT TO:<a@example.com>",
        "Remote Server returned '",
        "'",
        "Diagnostic-Code: smtp; ",
        "Status: 5.0.0\n",
        "Final-Recipient: rfc822; b@example.org\n",
        "\n",
        "\r\n",
        " ",
        "<<< ",
        ">>> DATA\n",
        "(in reply to RCPT TO command)",
        "status=bounced (",
        "to=<c@example.net>, ",
        "1vABcD-000Xyz-Ab ** ",
        "2026-11-20 10:00:01 ",
        "Nov 20 10:00:01 host postfix/smtp[1]: ",
        "From: x@example.org\n",
        "999",
        "650 5.01.1",
        "\u00e9\u4e2d",
    ]
)


def check_codes(replies: list[Reply]) -> None:
    for reply in replies:
        assert isinstance(reply.text, str)
        assert isinstance(reply.raw, str)
        if reply.origin == "codes":
            # Bare codes are returned as typed, so the caller can say what is wrong with them.
            continue
        if reply.reply_code is not None:
            assert reply_code_problem(reply.reply_code) is None, reply
        for code in (reply.enhanced_code, reply.dsn_status):
            if code is not None:
                assert enhanced_problem(code) is None, reply


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_parse_text_never_raises_on_any_text(text: str) -> None:
    check_codes(parse_text(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS, max_size=25).map("".join))
def test_parse_text_never_raises_on_reply_like_text(text: str) -> None:
    for kind in ("auto", "reply", "log", "codes"):
        check_codes(parse_text(text, kind))


@settings(max_examples=200, deadline=None)
@given(st.lists(FRAGMENTS, max_size=25).map("".join))
def test_parse_log_line_never_raises(line: str) -> None:
    reply = parse_log_line(line)
    if reply is not None:
        check_codes([reply])


@pytest.mark.parametrize(
    "text",
    [
        "host " * 20_000,
        "550-" * 20_000,
        "a@" * 20_000 + "b",
        "<" * 20_000,
        ("x" * 250 + "[") * 400,
        "5.5.5." * 10_000,
        "said: " * 10_000 + "550",
        "(in reply to " * 5_000,
        "status=bounced (" * 5_000,
    ],
)
def test_adversarial_text_stays_fast(text: str) -> None:
    start = time.process_time()
    parse_text(text)
    parse_log_line(text)
    assert time.process_time() - start < 2.0
