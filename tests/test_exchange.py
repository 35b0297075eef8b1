"""Exchange message tracking logs (MSGTRK*.LOG) and their Get-MessageTrackingLog CSV exports."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import gen_logs
from hypothesis import given, settings
from hypothesis import strategies as st

from smtpcodes import exchange
from smtpcodes.diagnose import diagnose_reply
from smtpcodes.exchange import TrackingLog, is_tracking_log
from smtpcodes.parse import Reply

FIXTURES = Path(__file__).parent / "fixtures" / "exchange"

FIELDS_2019 = (
    "#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,"
    "connector-id,source,event-id,internal-message-id,message-id,network-message-id,"
    "recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,"
    "reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,"
    "original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version"
)


def lines_of(name: str) -> list[str]:
    return (FIXTURES / name).read_bytes().decode("utf-8").splitlines()


def feed_all(lines: list[str]) -> list[tuple[int, list[Reply] | None]]:
    log = TrackingLog()
    return [(n, log.feed(line)) for n, line in enumerate(lines, 1)]


def replies_of(name: str) -> list[Reply]:
    return [r for _, out in feed_all(lines_of(name)) if out for r in out]


def row(**values: str) -> str:
    """A 2019 row with the given fields (by name, dashes as underscores), the rest empty."""
    names = FIELDS_2019[len("#Fields: ") :].split(",")
    cells = [values.pop(n.replace("-", "_"), "") for n in names]
    assert not values, values
    return ",".join(f'"{c}"' if "," in c else c for c in cells)


# --- the raw log files --------------------------------------------------------------------------


def test_exchange_2019_log() -> None:
    results = feed_all(lines_of("MSGTRK2026112010-1.LOG"))
    assert all(out == [] for n, out in results if n <= 5)  # the header (with a BOM on line 1)
    replies = [r for _, out in results if out for r in out]
    statuses = [(r.log_status, r.recipient) for r in replies]
    assert statuses == [
        ("bounced", "nobody@contoso.test"),
        ("sent", "jane@fabrikam.example"),
        ("bounced", "old.user@northwind.example"),
        ("bounced", "sales@northwind.example"),
        ("sent", "ap@northwind.example"),
        ("deferred", "info@tailspin.example"),
        ("bounced", "team@adatum.example"),
        ("sent", "chris@contoso.test"),
        ("sent", "pat@contoso.test"),
    ]
    assert all(r.origin == "exchange" for r in replies)
    # RECEIVE, AGENTINFO, HAREDIRECTFAIL and DSN rows are steps, not outcomes.
    assert [n for n, out in results if out == [] and n > 5] == [6, 7, 8, 10]
    assert results[-1][1] is None  # the row cut short


def test_fail_from_the_categorizer() -> None:
    reply = replies_of("MSGTRK2026112010-1.LOG")[0]
    assert (reply.reply_code, reply.enhanced_code) == ("550", "5.1.1")
    assert reply.text == "RESOLVER.ADR.RecipNotFound; not found"
    assert reply.queue_id == "73014444033"
    assert reply.timestamp == "2026-11-20T10:00:01.402Z"
    # Source ROUTING: server-hostname is this server, not the remote side.
    assert reply.remote_host is None and reply.remote_ip is None
    assert reply.raw.startswith("2026-11-20T10:00:01.402Z,")


def test_smtp_events_name_the_remote_server() -> None:
    sent = replies_of("MSGTRK2026112010-1.LOG")[1]
    assert (sent.remote_host, sent.remote_ip) == ("mx1.fabrikam.example", "192.0.2.25")
    assert (sent.reply_code, sent.enhanced_code, sent.text) == ("250", "2.1.5", "Recipient OK")


def test_several_recipients_with_semicolons_inside_their_statuses() -> None:
    replies = replies_of("MSGTRK2026112010-1.LOG")
    first, second = replies[2], replies[3]
    assert first.enhanced_code == "5.1.1"
    assert "User unknown in virtual mailbox table" in first.text
    assert (second.reply_code, second.enhanced_code) == ("552", "5.2.2")
    assert second.text == "Mailbox full; quota exceeded"
    assert first.remote_host == second.remote_host == "mail.northwind.example"
    assert diagnose_reply(first).category == "user-unknown"  # type: ignore[union-attr]
    assert diagnose_reply(second).category == "mailbox-full"  # type: ignore[union-attr]


def test_defer_reads_the_retry_record() -> None:
    reply = replies_of("MSGTRK2026112010-1.LOG")[5]
    assert reply.log_status == "deferred"
    assert (reply.reply_code, reply.enhanced_code) == ("451", "4.7.0")
    assert reply.text.startswith("Temporary server error.")
    assert "{" not in reply.text and "LED=" not in reply.text
    assert (reply.remote_host, reply.remote_ip) == ("mx.tailspin.example", "203.0.113.9")


def test_deliver_to_two_mailboxes() -> None:
    replies = replies_of("MSGTRK2026112010-1.LOG")[-2:]
    assert [r.recipient for r in replies] == ["chris@contoso.test", "pat@contoso.test"]
    assert {(r.log_status, r.reply_code, r.text) for r in replies} == {
        ("sent", "250", "Recipient OK")
    }


def test_older_columns_and_a_second_fields_block() -> None:
    """Exchange 2010 has no network-message-id; a restart mid-file writes the 2019 header."""
    results = feed_all(lines_of("MSGTRK20261119-1.LOG"))
    assert None not in [out for _, out in results]
    replies = [r for _, out in results if out for r in out]
    assert [(r.log_status, r.recipient, r.enhanced_code) for r in replies] == [
        ("bounced", "orders@vendor.example", "5.7.1"),
        ("sent", "kim@contoso.test", "2.1.5"),
        ("bounced", "returns@vendor.example", "5.1.10"),
    ]
    assert replies[0].remote_host == "smtp.vendor.example"
    assert replies[2].queue_id == "73014445001"  # read by name from the new header


def test_exchange_2007_columns() -> None:
    replies = replies_of("MSGTRK20261118-1.LOG")
    assert [(r.log_status, r.recipient) for r in replies] == [
        ("bounced", "former.staff@contoso.test"),
        ("sent", "friend@example.net"),
    ]
    verdict = diagnose_reply(replies[0])
    assert verdict is not None and verdict.category == "user-unknown"


def test_recip_not_found_diagnoses_as_user_unknown_hard() -> None:
    log = TrackingLog()
    assert log.feed(FIELDS_2019) == []
    out = log.feed(
        row(
            date_time="2026-11-20T10:00:01.402Z",
            server_hostname="EX01",
            source="ROUTING",
            event_id="FAIL",
            internal_message_id="1",
            recipient_address="nobody@contoso.test",
            recipient_status="550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
        )
    )
    assert out is not None and len(out) == 1
    verdict = diagnose_reply(out[0])
    assert verdict is not None
    assert (verdict.category, verdict.bounce) == ("user-unknown", "hard")


def test_a_failure_without_a_code_keeps_its_text() -> None:
    log = TrackingLog()
    log.feed(FIELDS_2019)
    out = log.feed(
        row(event_id="FAIL", source="ROUTING", recipient_address="a@b.example", recipient_status="")
    )
    assert out is not None and len(out) == 1
    assert (out[0].log_status, out[0].recipient, out[0].reply_code) == (
        "bounced",
        "a@b.example",
        None,
    )
    out = log.feed(
        row(
            event_id="FAIL",
            source="AGENT",
            recipient_address="a@b.example",
            recipient_status="Rejected by policy",
        )
    )
    assert out is not None and out[0].text == "Rejected by policy"


@pytest.mark.parametrize(
    ("addresses", "statuses", "expected"),
    [
        ("a@x.example", "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found", ["5.1.1"]),
        ("a@x.example;b@x.example", "250 2.1.5 OK;550 5.1.1 No such user", ["2.1.5", "5.1.1"]),
        (
            "a@x.example;b@x.example",
            "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
            ["5.1.1", "5.1.1"],
        ),
        (
            "a@x.example;b@x.example",
            "[{LRT=};{LED=450 4.2.0 busy; later};{FQDN=};{IP=}];[{LRT=};{LED=452 4.2.2 full};{FQDN=};{IP=}]",
            ["4.2.0", "4.2.2"],
        ),
        ("a@x.example;b@x.example", "'550 5.1.1 a;b';'552 5.2.2 c'", ["5.1.1", "5.2.2"]),
        # Not one status per recipient: each gets the whole text rather than someone else's.
        ("a@x.example;b@x.example;c@x.example", "550 5.1.1 gone;552 5.2.2 full", ["5.1.1"] * 3),
    ],
)
def test_statuses_per_recipient(addresses: str, statuses: str, expected: list[str]) -> None:
    log = TrackingLog()
    log.feed(FIELDS_2019)
    out = log.feed(
        row(event_id="DEFER", source="SMTP", recipient_address=addresses, recipient_status=statuses)
    )
    assert out is not None
    assert [r.enhanced_code for r in out] == expected
    assert [r.recipient for r in out] == addresses.split(";")


def test_unreadable_rows() -> None:
    log = TrackingLog()
    fail = row(event_id="FAIL", recipient_address="a@b.example", recipient_status="550 5.1.1 x")
    assert log.feed(fail) is None  # no header yet
    assert log.feed(FIELDS_2019) == []
    assert log.feed(fail + ",extra") is None  # one column too many
    assert log.feed(fail.rsplit(",", 1)[0]) is None  # one too few
    assert log.feed('2026-11-20T10:00:01Z,"broken,' + fail[30:]) is None  # an unclosed quote
    assert log.feed(fail) is not None  # and the next good row is read again
    assert log.feed("") == [] and log.feed("   ") == []


# --- PowerShell exports -------------------------------------------------------------------------


def test_export_with_type_line() -> None:
    results = feed_all(lines_of("export.csv"))
    assert results[0][1] == [] and results[1][1] == []  # #TYPE, the header row
    replies = [r for _, out in results if out for r in out]
    assert [(r.log_status, r.recipient) for r in replies] == [
        ("bounced", "nobody@contoso.test"),
        ("deferred", "info@tailspin.example"),
        ("sent", "chris@contoso.test"),
        ("sent", "pat@contoso.test"),
    ]
    assert replies[0].timestamp == "11/20/2026 10:00:01 AM"
    assert replies[0].queue_id == "73014444033"
    assert diagnose_reply(replies[0]).category == "user-unknown"  # type: ignore[union-attr]
    assert (replies[1].reply_code, replies[1].remote_host) == ("421", "mx.tailspin.example")


def test_export_without_type_line_and_unjoined_arrays() -> None:
    replies = replies_of("export-pwsh7.csv")
    # Export-Csv wrote "System.String[]" for the arrays: an outcome with nobody and no reason.
    assert (replies[0].log_status, replies[0].recipient, replies[0].text) == ("bounced", None, "")
    assert replies[0].remote_host == "mail.northwind.example"
    assert (replies[1].recipient, replies[1].enhanced_code) == (
        "old.user@northwind.example",
        "5.1.1",
    )


# --- sniffing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "MSGTRK2026112010-1.LOG",
        "MSGTRK20261119-1.LOG",
        "MSGTRK20261118-1.LOG",
        "export.csv",
        "export-pwsh7.csv",
    ],
)
def test_is_tracking_log(name: str) -> None:
    assert is_tracking_log(lines_of(name)[:10])


@pytest.mark.parametrize(
    "head",
    [
        [],
        [""],
        [
            "Nov 20 10:00:01 mail postfix/smtp[4242]: 4B2C: to=<a@b.example>, relay=mx[192.0.2.1]:25, "
            "dsn=5.1.1, status=bounced (host mx[192.0.2.1] said: 550 5.1.1 no such user)"
        ],
        [
            "Return-Path: <>",
            "From: Mail Delivery System <MAILER-DAEMON@example.org>",
            "Subject: Undelivered Mail Returned to Sender",
            "To: chris@contoso.test",
            "",
            "This is the mail system.",
        ],
        # Other Exchange and W3C logs share the header style but not the fields.
        [
            "#Software: Microsoft Exchange Server",
            "#Version: 15.02.1118.007",
            "#Log-type: SMTP Send Protocol Log",
            "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,data,context",
        ],
        ["#Software: Microsoft Internet Information Services 10.0", "#Fields: date time s-ip"],
        ['"Name","Value"', '"a","b"'],
    ],
)
def test_is_not_tracking_log(head: list[str]) -> None:
    assert not is_tracking_log(head)


def test_is_tracking_log_from_the_fields_line_alone() -> None:
    assert is_tracking_log(["#Software: Microsoft Exchange Server", FIELDS_2019])
    assert is_tracking_log(['"Timestamp","EventId","Recipients","RecipientStatus"'])


# --- robustness and speed -----------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=200), max_size=8), st.booleans())
def test_feed_never_raises(lines: list[str], with_header: bool) -> None:
    log = TrackingLog()
    if with_header:
        log.feed(FIELDS_2019)
    for line in lines:
        out = log.feed(line)
        assert out is None or isinstance(out, list)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["FAIL", "DEFER", "SEND", "DELIVER", "DSN", "RECEIVE"]), max_size=4),
    st.text(alphabet="a@x.;'[]{}=,\" 550 5.1.1", max_size=80),
    st.text(alphabet="a@x.;'[]{}=,\" 250 4.4.7 LED=", max_size=120),
)
def test_feed_of_odd_fields_never_raises(events: list[str], addresses: str, status: str) -> None:
    log = TrackingLog()
    log.feed(FIELDS_2019)
    for event in events:
        line = row(event_id=event, recipient_address=addresses, recipient_status=status)
        out = log.feed(line)
        assert out is None or isinstance(out, list)
        is_tracking_log([line, status, addresses])


def test_other_rows_are_cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    log = TrackingLog()
    log.feed(FIELDS_2019)
    line = row(
        date_time="2026-11-20T10:00:01.101Z",
        server_hostname="EX01",
        source_context="08DEE9A1C0A3F1B2;2026-11-20T10:00:01.054Z;0",
        source="SMTP",
        event_id="RECEIVE",
        internal_message_id="73014444033",
        recipient_address="jane@fabrikam.example",
        recipient_status="To",
        message_subject="Quarterly figures, draft 2",
    )
    # Not an outcome: answered without splitting the row into cells or building a Reply.
    monkeypatch.setattr(exchange, "_cells", _must_not_be_called)
    monkeypatch.setattr(exchange, "_outcomes", _must_not_be_called)
    assert log.feed(line) == []


def _must_not_be_called(*args: object) -> object:
    raise AssertionError("an event that is not an outcome was parsed")


def test_the_generated_exchange_log_reads_whole() -> None:
    gen = gen_logs()
    out = io.StringIO()
    gen.write_log(out, mta="exchange", lines=3000, failures=0.2, seed=5)
    lines = out.getvalue().splitlines()
    assert is_tracking_log(lines[:10])
    log = TrackingLog()
    results = [log.feed(line) for line in lines]
    assert None not in results
    replies = [r for out in results if out for r in out]
    failures = [r for r in replies if r.log_status != "sent"]
    assert len(failures) == sum(1 for line in lines if gen.is_failure(line))
    assert 0.15 < len(failures) / len(lines) < 0.25
    assert all(diagnose_reply(r) is not None for r in failures[:50])


def test_one_status_with_a_semicolon_for_two_recipients() -> None:
    # Split on ";" it gives two pieces, as many as the recipients; the second is not a status.
    log = TrackingLog()
    log.feed(FIELDS_2019)
    status = "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"
    out = log.feed(
        row(event_id="FAIL", recipient_address="a@x.example;b@y.example", recipient_status=status)
    )
    assert out is not None and [(r.recipient, r.text) for r in out] == [
        ("a@x.example", "RESOLVER.ADR.RecipNotFound; not found"),
        ("b@y.example", "RESOLVER.ADR.RecipNotFound; not found"),
    ]


def test_an_export_that_lost_its_recipients_is_counted() -> None:
    log = TrackingLog()
    results = [log.feed(line) for line in lines_of("export-pwsh7.csv")]
    assert None not in results
    assert log.unjoined == 1  # one FAIL row with System.String[] in Recipients/RecipientStatus
