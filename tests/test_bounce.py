"""The bounce parser: DSNs, global DSNs, prose bounces, ARF, auto-replies, mailboxes, the corpus."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest
from conftest import dsn_email
from hypothesis import given, settings
from hypothesis import strategies as st

from smtpcodes.bounce import iter_maildir, iter_mbox, iter_messages, parse_message
from smtpcodes.codes import enhanced_problem, reply_code_problem
from smtpcodes.parse import Reply

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "parse"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "set-of-emails"


def read(name: str) -> list[Reply]:
    return parse_message((FIXTURES / name).read_bytes())


def summary(replies: list[Reply]) -> list[tuple[str | None, str | None, str | None]]:
    return [(r.recipient, r.reply_code, r.enhanced_code) for r in replies]


def test_rfc3464_dsn() -> None:
    replies = read("dsn.eml")
    assert summary(replies) == [
        ("nobody@example.com", "550", "5.1.1"),
        ("someone@gmail.com", "550", "5.7.26"),
    ]
    first, second = replies
    assert (first.message_kind, first.origin, first.dsn_action, first.dsn_status) == (
        "dsn",
        "dsn",
        "failed",
        "5.1.1",
    )
    assert (first.diagnostic_type, first.remote_host, first.queue_id) == (
        "smtp",
        "mx.example.com",
        "4Bxyz3Lm9Qz8p",
    )
    assert first.text == (
        "<nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox table"
    )
    # A flattened multi-line reply folded over Diagnostic-Code lines: one text, no prefixes.
    assert second.text == (
        "This mail is unauthenticated, which poses a security risk to the sender and Gmail "
        "users, and has been blocked. https://support.google.com/mail/answer/81126#authentication"
        " - gsmtp"
    )


def test_global_dsn_reads_utf8_fields() -> None:
    (reply,) = read("global-dsn.eml")
    assert reply.recipient == "用户@例子.广告"
    assert (reply.reply_code, reply.enhanced_code, reply.dsn_status) == ("550", "5.1.1", "5.1.1")
    assert reply.text == "<用户@例子.广告>: 收件人不存在 (no such user)"
    assert reply.remote_host == "mx.例子.广告"
    assert reply.message_kind == "dsn"


def _dsn(fields: str) -> bytes:
    return dsn_email(fields).encode()


def test_rfc6533_embedded_unicode_chars_are_decoded() -> None:
    # RFC 6533 section 3: the 7-bit form of a UTF-8 address writes a character as \x{HEXPOINT}.
    (reply,) = parse_message(
        _dsn(
            "Original-Recipient: utf-8; d\\x{00FC}rst@example.com\n"
            "Final-Recipient: utf-8; d\\x{FC}rst@\\x{4F8B}\\x{5B50}.example\n"
            "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 no such user\n"
        )
    )
    assert reply.recipient == "dürst@例子.example"


def test_a_status_comment_needs_no_space() -> None:
    # RFC 3464 section 2.3.4: a comment in parentheses may follow the last numeric sub-field.
    (reply,) = parse_message(
        _dsn(
            "Final-Recipient: rfc822; bob@example.com\nAction: failed\n"
            "Status: 5.1.1(bad destination mailbox)\n"
        )
    )
    assert reply.dsn_status == "5.1.1"


COLLEAGUE = (
    b"From: Erin <erin@example.com>\nTo: helpdesk@example.com\nSubject: Re: newsletter problem\n"
    b"Date: Tue, 4 Nov 2025 14:00:00 +0100\nMessage-ID: <h1@example.com>\n\nHi team,\n\nwhen I "
    b'send to frank@partner.example I get back "550 5.1.1 user unknown".\nCould you check '
    b"whether his address changed?\n"
)


def test_an_email_about_a_bounce_names_no_failed_recipient() -> None:
    # Not a bounce: no daemon sender, no bounce subject, nothing says a message was not
    # delivered. Its reply is explained, but frank@ must not be dropped from a list for it.
    (reply,) = parse_message(COLLEAGUE)
    assert (reply.reply_code, reply.enhanced_code) == ("550", "5.1.1")
    assert reply.recipient is None
    assert reply.message_kind is None


def test_the_same_words_from_a_mailer_daemon_are_a_bounce() -> None:
    daemon = COLLEAGUE.replace(b"Erin <erin@example.com>", b"MAILER-DAEMON@example.com")
    (reply,) = parse_message(daemon)
    assert reply.recipient == "frank@partner.example"
    assert reply.message_kind == "bounce"


BOUNCE_TEXT = (
    "<hank@partner.example>: host mx.partner.example[192.0.2.1] said: 550 5.1.1 "
    "<hank@partner.example>: Recipient address rejected: User unknown (in reply to RCPT TO "
    "command)\n"
)


def _forward(body: str, subject: str = "Fwd: Undelivered Mail Returned to Sender") -> bytes:
    return (
        f"From: Erin <erin@example.com>\nTo: helpdesk@example.com\nSubject: {subject}\n"
        f"Date: Tue, 4 Nov 2025 14:00:00 +0100\n{body}"
    ).encode()


@pytest.mark.parametrize(
    "body",
    [
        # attached, with the forwarder's note
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="X"\n\n--X\n'
        "Content-Type: text/plain\n\nSee below, does frank@partner.example give 550 5.1.1 "
        "too?\n\n--X\nContent-Type: message/rfc822\n\nFrom: MAILER-DAEMON@mx.example.org\n"
        f"To: erin@example.com\nSubject: Undelivered Mail Returned to Sender\n\n{BOUNCE_TEXT}"
        "\n--X--\n",
        # inline, as Gmail forwards
        "\n---------- Forwarded message ---------\nFrom: MAILER-DAEMON@mx.example.org\n"
        f"Subject: Undelivered Mail Returned to Sender\n\n{BOUNCE_TEXT}",
        # inline, as Outlook forwards
        "\nFYI\n\n-----Original Message-----\nFrom: Mail Delivery System "
        "<MAILER-DAEMON@mx.example.org>\nSent: Tuesday, November 4, 2025 1:00 PM\n"
        f"To: Erin\nSubject: Undeliverable\n\n{BOUNCE_TEXT}",
    ],
    ids=["attached", "gmail-inline", "outlook-inline"],
)
def test_a_forwarded_bounce_names_the_bounces_recipient_not_the_forwarder(body: str) -> None:
    (reply,) = parse_message(_forward(body))
    assert reply.recipient == "hank@partner.example"
    assert (reply.reply_code, reply.enhanced_code) == ("550", "5.1.1")


def test_qmail() -> None:
    replies = read("qmail.eml")
    assert summary(replies) == [
        ("nobody@example.com", "550", "5.1.1"),
        ("info@example.invalid", None, "5.1.2"),
    ]
    assert replies[0].remote_ip == "192.0.2.10"
    assert replies[0].smtp_command == "RCPT TO"
    assert replies[0].text == "<nobody@example.com>: Recipient address rejected: User unknown"
    assert replies[1].text == "Sorry, I couldn't find any host named example.invalid."
    assert {r.message_kind for r in replies} == {"bounce"}
    assert {r.origin for r in replies} == {"qmail"}


def test_exim() -> None:
    replies = read("exim.eml")
    assert summary(replies) == [
        ("nobody@example.com", "550", "5.1.1"),
        ("full@example.net", "552", "5.2.2"),
    ]
    assert [(r.remote_host, r.remote_ip, r.smtp_command) for r in replies] == [
        ("mx.example.com", "192.0.2.10", "RCPT TO"),
        ("mx.example.net", "192.0.2.20", "RCPT TO"),
    ]
    assert replies[1].text == "Mailbox full"
    assert replies[0].origin == "exim"


def test_sendmail() -> None:
    (reply,) = read("sendmail.eml")
    assert summary([reply]) == [("nobody@example.com", "550", "5.1.1")]
    assert reply.smtp_command == "RCPT TO"  # from the transcript, the DSN does not say
    assert reply.remote_host == "mx.example.com"
    assert reply.timestamp == "Fri, 20 Nov 2026 10:40:00 +0000"


def test_exchange_ndr() -> None:
    (reply,) = read("exchange.eml")
    assert summary([reply]) == [("nobody@example.com", "550", "5.1.10")]
    assert (
        reply.text == "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"
    )
    assert reply.origin == "exchange-ndr"
    assert reply.message_kind == "bounce"


def test_gmail_bounce() -> None:
    (reply,) = read("gmail.eml")
    assert summary([reply]) == [("nobody@example.com", "550", "5.1.1")]
    assert reply.origin == "multiline"
    assert len(reply.lines) == 3
    assert reply.text.startswith("The email account that you tried to reach does not exist.")
    assert reply.text.endswith("unnecessary spaces. a1si1234567plh.126 - gsmtp")


def test_arf_feedback_report() -> None:
    (reply,) = read("arf.eml")
    assert (reply.message_kind, reply.feedback_type) == ("feedback", "abuse")
    assert reply.recipient == "reader@mailbox.example.net"
    assert reply.remote_ip == "192.0.2.50"
    assert (reply.reply_code, reply.enhanced_code) == (None, None)


def test_auto_reply() -> None:
    (reply,) = read("autoreply.eml")
    assert reply.message_kind == "auto-reply"
    assert reply.recipient == "dana@example.com"
    assert (reply.reply_code, reply.enhanced_code) == (None, None)
    assert reply.text.startswith("I am out of the office")


def test_mail_client_unsubscribe_is_opt_out_feedback() -> None:
    data = (
        b"From: reader@example.net\nTo: opt-out-123@example.org\nSubject: unsubscribe\n"
        b"Auto-Submitted: auto-replied\nX-Apple-Unsubscribe: true\n\n"
        b"Apple Mail sent this email to unsubscribe from the message.\n"
    )
    (reply,) = parse_message(data)
    assert (reply.message_kind, reply.feedback_type, reply.recipient) == (
        "feedback",
        "opt-out",
        "reader@example.net",
    )


def test_truncated_garbage_does_not_raise() -> None:
    replies = read("truncated.eml")
    assert [(r.recipient, r.reply_code) for r in replies] == [("nobody@example.com", "550")]


def test_text_input_is_read_like_bytes() -> None:
    text = (FIXTURES / "exim.eml").read_text()
    assert summary(parse_message(text)) == summary(read("exim.eml"))


def test_crlf_line_endings() -> None:
    data = (FIXTURES / "dsn.eml").read_bytes().replace(b"\n", b"\r\n")
    assert summary(parse_message(data)) == summary(read("dsn.eml"))


def test_plain_mail_is_no_bounce() -> None:
    data = b"From: a@example.org\nTo: b@example.com\nSubject: lunch\n\nNoon at 550 Main St?\n"
    assert parse_message(data) == []


@pytest.mark.parametrize("data", [b"", b" ", b"\n\n", "", b"\x00\xff", b"Subject: x"])
def test_empty_and_tiny_inputs(data: bytes | str) -> None:
    assert parse_message(data) == []


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_never_raise(data: bytes) -> None:
    parse_message(data)


BOUNCE_PIECES = st.sampled_from(
    [
        b"From: MAILER-DAEMON@example.org\n",
        b"Subject: Undelivered Mail\n",
        b"Content-Type: multipart/report; boundary=b\n",
        b"Content-Type: message/delivery-status\n",
        b"Content-Transfer-Encoding: base64\n",
        b"--b\n",
        b"--b--\n",
        b"\n",
        b"Final-Recipient: rfc822; a@example.com\n",
        b"Status: 5.1.1\n",
        b"Diagnostic-Code: smtp; 550-5.1.1 x\n 550 5.1.1 y\n",
        b"<a@example.com>: host mx[192.0.2.1] said: 550 5.1.1 no\n",
        b"  a@example.com\n",
        b"=?utf-8?b?5L2g5aW9?=\n",
        b"\xe9\xff\x83\x81\n",
        b">>> RCPT To:<a@example.com>\n<<< 550 no\n",
        b"Remote Server returned '550 5.1.1 x'\n",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(BOUNCE_PIECES, max_size=30).map(b"".join))
def test_bounce_like_bytes_never_raise_and_codes_are_valid(data: bytes) -> None:
    for reply in parse_message(data):
        if reply.reply_code is not None:
            assert reply_code_problem(reply.reply_code) is None
        for code in (reply.enhanced_code, reply.dsn_status):
            if code is not None:
                assert enhanced_problem(code) is None


@pytest.mark.parametrize(
    "body",
    [
        "a@example.com " * 20_000,
        ("x" * 150 + ": <a@example.com>\n") * 2_000,
        "<style>" * 20_000,
        "<" * 50_000,
        ("  b@example.org\n    550-" + "y" * 100 + "\n") * 2_000,
    ],
)
def test_adversarial_bodies_stay_fast(body: str) -> None:
    data = f"From: MAILER-DAEMON@example.org\nSubject: Undelivered\n\n{body}".encode()
    html = (
        f"From: MAILER-DAEMON@example.org\nSubject: Undelivered\nContent-Type: text/html\n\n{body}"
    ).encode()
    start = time.process_time()
    parse_message(data)
    parse_message(html)
    assert time.process_time() - start < 3.0


# --- mailboxes ----------------------------------------------------------------------------------

MBOX_NAMES = ("qmail.eml", "exim.eml", "autoreply.eml")


def make_mbox(path: Path) -> None:
    with open(path, "wb") as out:
        for name in MBOX_NAMES:
            out.write(b"From MAILER-DAEMON Fri Nov 20 10:00:00 2026\n")
            out.write((FIXTURES / name).read_bytes().rstrip(b"\n") + b"\n\n")


def test_iter_mbox(tmp_path: Path) -> None:
    mbox = tmp_path / "bounces.mbox"
    make_mbox(mbox)
    found = list(iter_mbox(str(mbox)))
    assert [location for location, _ in found] == [f"{mbox}#1", f"{mbox}#2", f"{mbox}#3"]
    assert [len(replies) for _, replies in found] == [2, 2, 1]
    assert found[1][1][0].location == f"{mbox}#2"
    assert found[2][1][0].message_kind == "auto-reply"
    assert list(iter_messages(str(mbox))) == found


def test_iter_maildir(tmp_path: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (tmp_path / sub).mkdir()
    (tmp_path / "cur" / "1.host:2,S").write_bytes((FIXTURES / "dsn.eml").read_bytes())
    (tmp_path / "new" / "2.host").write_bytes((FIXTURES / "gmail.eml").read_bytes())
    (tmp_path / "tmp" / "3.host").write_bytes((FIXTURES / "qmail.eml").read_bytes())
    found = list(iter_maildir(str(tmp_path)))
    assert [Path(location).name for location, _ in found] == ["1.host:2,S", "2.host"]
    assert [r.recipient for _, replies in found for r in replies] == [
        "nobody@example.com",
        "someone@gmail.com",
        "nobody@example.com",
    ]
    assert all(r.location == location for location, replies in found for r in replies)
    assert list(iter_messages(str(tmp_path))) == found


def test_iter_messages_on_a_folder_of_files_and_a_single_file() -> None:
    found = dict(iter_messages(str(FIXTURES)))
    assert summary(found[str(FIXTURES / "exim.eml")]) == summary(read("exim.eml"))
    single = list(iter_messages(str(FIXTURES / "gmail.eml")))
    assert [location for location, _ in single] == [str(FIXTURES / "gmail.eml")]


def test_mbox_size_edge_cases(tmp_path: Path) -> None:
    for size, content in enumerate((b"", b"\n", b"F\n\n")):
        path = tmp_path / f"size-{size}"
        path.write_bytes(content)
        assert [r for _, replies in iter_messages(str(path)) for r in replies] == []


# --- the corpus ---------------------------------------------------------------------------------


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "parse_corpus", ROOT / "benchmarks" / "parse_corpus.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not (CORPUS / "labels.jsonl").is_file(), reason="corpus not available")
def test_corpus_agreement() -> None:
    result = load_benchmark().measure(CORPUS, passes=0)
    assert result.enhanced.ratio >= 0.97, result.disagreements
    assert result.reply.ratio >= 0.97, result.disagreements
    assert result.recipients.ratio >= 0.95


# --- the MIME reader ----------------------------------------------------------------------------


def test_nested_multiparts_with_awkward_boundaries() -> None:
    data = (
        b"From: MAILER-DAEMON@example.org\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="a(=_.+?)"\r\n'
        b"\r\n"
        b"--a(=_.+?)\r\n"
        b'Content-Type: multipart/alternative; boundary="a(=_.+?)x"\r\n'
        b"\r\n"
        b"--a(=_.+?)x\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n"
        b"\r\n"
        # "<a@example.com>: host mx.example.com[192.0.2.1] said: 550 5.1.1 no such user", no padding
        b"PGFAZXhhbXBsZS5jb20+OiBob3N0IG14LmV4YW1wbGUuY29tWzE5Mi4wLjIuMV0gc2FpZDogNTUwIDUu\r\n"
        b"MS4xIG5vIHN1Y2ggdXNlcg\r\n"
        b"--a(=_.+?)x--\r\n"
        b"--a(=_.+?)\r\n"
        b"Content-Type: message/delivery-status\r\n"
        b"\r\n"
        b"Final-Recipient: rfc822; a@example.com\r\n"
        b"Action: failed\r\n"
        b"Status: 5.1.1\r\n"
        # no closing boundary: the message was cut short
    )
    (reply,) = parse_message(data)
    assert (reply.recipient, reply.dsn_status, reply.message_kind) == (
        "a@example.com",
        "5.1.1",
        "dsn",
    )
    # The DSN has no Diagnostic-Code: the reply comes from the base64 text part.
    assert (reply.reply_code, reply.enhanced_code, reply.remote_host) == (
        "550",
        "5.1.1",
        "mx.example.com",
    )


def test_a_pasted_bounce_without_headers() -> None:
    body = (FIXTURES / "exim.eml").read_bytes().split(b"\n\n", 1)[1]
    assert summary(parse_message(body)) == summary(read("exim.eml"))


def test_fml_loop_alert_names_the_list_and_reads_no_code_from_the_quoted_original() -> None:
    # The quoted original ("Original mail as follows:") holds "port 10024" and queue ids; only
    # the notice above it is the list manager's answer.
    (reply,) = read("fml-loop.eml")
    assert (reply.recipient, reply.reply_code, reply.enhanced_code) == (
        "cats@lists.example.net",
        None,
        None,
    )
    assert "Duplicated Message-ID" in reply.text and "amavisd" not in reply.text


def test_fml_refusal_names_the_list_not_its_command_address() -> None:
    # The notice tells the reader to write to the list's command address (List-Subscribe).
    assert [r.recipient for r in read("fml-not-member.eml")] == ["cats@lists.example.net"]
