"""What the RFCs say about acting on a reply, applied to verdicts: the reply code decides the class
(RFC 5321 section 4.2), a 5yz is not retried as it is (4.2.1), a 3yz is no delivery result, and a
2yz is a success whatever its words."""

from __future__ import annotations

import pytest
from conftest import dsn_email

from smtpcodes.codes import CodeClass
from smtpcodes.diagnose import Verdict, diagnose


def one(text: str) -> Verdict:
    (verdict,) = diagnose(text)
    return verdict


@pytest.mark.parametrize(
    ("text", "klass", "retry"),
    [
        ("450 5.1.1 <a@example.org>: user unknown", CodeClass.TRANSIENT, "later"),
        ("550 4.7.1 Access denied", CodeClass.PERMANENT, "no"),
        ("550 4.2.2 mailbox full", CodeClass.PERMANENT, "later"),
    ],
)
def test_the_reply_code_decides_the_class(text: str, klass: CodeClass, retry: str) -> None:
    verdict = one(text)
    assert verdict.code_class is klass
    assert verdict.retry == retry
    assert verdict.conflict is not None
    assert f"the reply code {text[:3]} is {klass.value}" in verdict.conflict
    assert "RFC 5321 section 4.2" in verdict.conflict


def test_agreeing_classes_say_nothing() -> None:
    assert one("550 5.7.1 Access denied").conflict is None


@pytest.mark.parametrize(
    "text",
    [
        "550 5.4.1 no answer from host",
        "554 5.4.0 connection timed out",
        "550 5.3.0 Internal error",
        "550 5.7.1 poor reputation",
    ],
)
def test_a_5yz_is_never_retried_as_it_is(text: str) -> None:
    verdict = one(text)
    assert verdict.code_class is CodeClass.PERMANENT
    assert verdict.retry != "yes"


@pytest.mark.parametrize(
    "text", ["354 Start mail input; end with <CRLF>.<CRLF>", "334 VXNlcm5hbWU6"]
)
def test_a_3yz_is_no_delivery_result(text: str) -> None:
    verdict = one(text)
    assert verdict.code_class is CodeClass.INTERMEDIATE
    assert (verdict.bounce, verdict.retry, verdict.party) == (None, "no", None)
    assert "Nothing failed" in verdict.action


def test_a_2yz_stays_a_success_and_says_what_the_words_claimed() -> None:
    verdict = one("250 2.0.0 Message rejected as spam")
    assert verdict.category == "delivered" and verdict.bounce is None
    assert verdict.conflict is not None
    assert "spam-content" in verdict.conflict and "the code wins" in verdict.conflict


def test_a_transient_unknown_user_waits_for_a_permanent_refusal() -> None:
    verdict = one("452 4.1.1 <a@example.org>: Recipient address rejected: User unknown")
    assert verdict.category == "user-unknown"
    assert verdict.bounce == "hard"  # as the issue and Sisimai count it
    assert verdict.retry == "later"
    assert "only if a permanent (5yz) refusal follows" in verdict.action
    permanent = one("550 5.1.1 <a@example.org>: Recipient address rejected: User unknown")
    assert "only if" not in permanent.action


def test_a_conflict_says_who_documents_the_winning_reading() -> None:
    verdict = one("554 5.7.9 Message not accepted for policy reasons.")
    assert verdict.category == "authentication"
    assert verdict.conflict is not None
    assert "Yahoo" in verdict.conflict and "documents" in verdict.conflict
    generic = one("550 5.1.1 Mailbox full")
    assert generic.conflict is not None and "the text says mailbox-full" in generic.conflict


@pytest.mark.parametrize("words", ["header based", "header-based"])
def test_mimecast_anti_spoofing_wording(words: str) -> None:
    verdict = one(f"550 Rejected by {words} Anti-Spoofing policy: ceo@example.com")
    assert verdict.provider == "Mimecast"
    assert verdict.category == "policy"


def test_the_x71_title_alone_names_no_provider() -> None:
    # "Delivery not authorized, message refused" is the registry's title of X.7.1: any server may
    # send it; only Exchange's 5.7.900-5.7.999 codes say a transport rule refused the message.
    plain = one("550 5.7.1 Delivery not authorized, message refused")
    assert plain.provider is None and plain.category == "policy"
    exchange = one("550 5.7.901 Delivery not authorized, message refused")
    assert exchange.provider == "Microsoft Exchange Server (on-premises)"
    # The reason after the title decides, not the title.
    after = one(
        "550 5.7.1 Delivery not authorized, message refused: Message is not RFC 5322 compliant"
    )
    assert after.category == "content-rejected"


def test_a_5yz_network_failure_does_not_promise_a_retry() -> None:
    # The network category's advice ("let the server retry") holds for a 4yz only.
    permanent = one("550 5.4.1 no answer from host")
    assert permanent.category == "network"
    assert "will not retry" in permanent.action
    transient = one("451 4.4.1 no answer from host")
    assert "let the server retry" in transient.action


@pytest.mark.parametrize(
    ("text", "category", "bounce"),
    [
        # RFC 7504 section 3 sends 521 with X.3.2: the reply code carries the meaning.
        ("521 5.3.2", "domain-rejects-mail", "hard"),
        ("535 5.7.0 Authentication failed", "auth-required", "soft"),
        # 501 is specific too, but the address status says more: it keeps deciding.
        ("501 5.1.3 Bad recipient address syntax", "user-unknown", "hard"),
    ],
)
def test_a_reply_code_an_extension_defines_outranks_its_enhanced_code(
    text: str, category: str, bounce: str
) -> None:
    verdict = one(text)
    assert (verdict.category, verdict.bounce) == (category, bounce)


def test_x32_words_alone_are_a_system_error_to_retry() -> None:
    # RFC 3463 section 3.4: X.3.2 covers shutdown, load and maintenance; the registry's title in
    # a 421 is no statement that the host takes no mail.
    verdict = one("421 4.3.2 System not accepting network messages")
    assert (verdict.category, verdict.retry) == ("system-error", "later")


_dsn = dsn_email


def test_a_delay_notice_is_a_warning_not_an_expiry() -> None:
    # Exchange and OpenSMTPD send 4.4.7 in delay warnings: the server is still trying.
    (verdict,) = diagnose(
        _dsn("Final-Recipient: rfc822; bob@example.com\nAction: delayed\nStatus: 4.4.7\n")
    )
    assert verdict.category != "expired"
    assert verdict.retry == "yes"
    assert "do not resend" in verdict.action
    (gave_up,) = diagnose(
        _dsn("Final-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: 4.4.7\n")
    )
    assert gave_up.category == "expired"


def test_a_final_report_after_temporary_failures_is_not_retried_by_the_server() -> None:
    (verdict,) = diagnose(
        _dsn(
            "Final-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: 4.3.0\n"
            "Diagnostic-Code: smtp; 451 4.3.0 Internal error in processing\n"
        )
    )
    assert verdict.retry != "yes"
    assert "Let the server retry" not in verdict.action


def test_rule_advice_to_let_the_server_retry_is_rewritten_after_a_5yz() -> None:
    verdict = one("554 5.3.0 Internal system error")
    assert verdict.action.startswith("The sending server will not retry this (after a 5yz")
    assert one("451 4.3.0 Internal system error").action.startswith("Let the server retry")


def test_an_uncorroborated_unknown_user_says_both_readings() -> None:
    (verdict,) = diagnose(
        _dsn(
            "Final-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: 5.0.0\n"
            "Diagnostic-Code: smtp; 550 user unknown\n"
        )
    )
    assert verdict.category == "recipient-filtered"
    assert "check the address" in verdict.action and "filter" in verdict.action


def test_fields_with_a_space_before_the_colon_are_read() -> None:
    # Mimecast writes "Action : failed" (RFC 5322 section 4.5's obsolete field syntax).
    (verdict,) = diagnose(
        _dsn(
            "Final-Recipient : rfc822;bob@example.net\nAction : failed\nStatus : 5.0.0\n"
            "Diagnostic-Code : smtp;550 5.7.54 SMTP; Unable to relay recipient\n"
        )
    )
    assert (verdict.reply_code, verdict.enhanced_code) == ("550", "5.7.54")
    assert verdict.reply.dsn_action == "failed"


def test_a_status_comment_is_the_cause_when_there_is_no_diagnostic() -> None:
    # RFC 3464 appendix E: "Status: 4.0.0 (cat.example.net: host name lookup failure)".
    (verdict,) = diagnose(
        _dsn(
            "Final-Recipient: rfc822; bob@cat.example.net\nAction: delayed\n"
            "Status: 4.0.0 (cat.example.net: host name lookup failure)\n"
        )
    )
    assert verdict.category == "network"
    assert "host name lookup failure" in verdict.reply.text


def test_a_final_report_of_a_4yz_unknown_user_is_not_told_to_wait() -> None:
    # The sending server has given up (status=bounced): waiting for its retry waits forever.
    (verdict,) = diagnose(
        "Nov 23 10:00:01 mx postfix/smtp[1]: 4AB: to=<a@example.org>, relay=mx.example.org"
        "[192.0.2.1]:25, delay=1, delays=0/0/0/0, dsn=4.1.1, status=bounced (host mx.example.org"
        "[192.0.2.1] said: 450 4.1.1 <a@example.org>: Recipient address rejected: User unknown "
        "(in reply to RCPT TO command))"
    )
    assert verdict.category == "user-unknown"
    assert "only if a permanent (5yz) refusal follows" not in verdict.action


@pytest.mark.parametrize(
    ("text", "category", "bounce"),
    [
        # A cause-naming enhanced code outranks 521: Microsoft's banned IP, a DNSBL's refusal.
        ("521 5.7.606 Access denied, banned sending IP [192.0.2.1]", "blocklisted", "soft"),
        ("521 5.7.1", "policy", "soft"),
        ("556 5.7.1", "policy", "soft"),
    ],
)
def test_an_extension_reply_code_decides_only_with_its_own_enhanced_code(
    text: str, category: str, bounce: str
) -> None:
    verdict = one(text)
    assert (verdict.category, verdict.bounce) == (category, bounce)


def test_the_code_a_conflict_names_is_the_code_that_decided() -> None:
    verdict = one("521 5.3.2 Message content rejected")
    code_evidence = [e for e in verdict.evidence if e.rule.startswith("code:")]
    assert [e.rule for e in code_evidence] == ["code:521"]
    assert code_evidence[0].matched == "521"
    conflicted = one("521 5.3.2 Mailbox full")
    assert conflicted.conflict is not None
    assert conflicted.conflict.startswith("the code 521 means domain-rejects-mail")


def test_a_3yz_with_failure_words_still_has_no_bounce() -> None:
    verdict = one("354 Enter message; user unknown recipients dropped")
    assert (verdict.bounce, verdict.category) == (None, "undetermined")
    assert verdict.conflict is not None and "354 only accepts a step" in verdict.conflict


def test_a_class_conflict_with_a_dsn_status_cites_rfc3464() -> None:
    (verdict,) = diagnose(
        _dsn(
            "Final-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: 4.0.0\n"
            "Diagnostic-Code: smtp; 550 Mailbox unavailable\n"
        )
    )
    assert verdict.conflict is not None
    assert "the DSN's Status 4.0.0" in verdict.conflict and "RFC 3464" in verdict.conflict
    assert "RFC 2034" not in verdict.conflict


@pytest.mark.parametrize(
    "text", ["250 2.0.0 Ok: queued as 7B9, spam check passed", "250 2.0.0 Ok: after greylisting"]
)
def test_a_success_that_mentions_a_topic_raises_no_conflict(text: str) -> None:
    verdict = one(text)
    assert (verdict.category, verdict.conflict) == ("delivered", None)
    # Nor does the topic's failure advice become the action of a success.
    assert (verdict.action, verdict.party, verdict.rule_meaning) == ("Nothing to do.", None, None)


def test_a_refusal_at_the_greeting_names_no_listing_it_did_not_see() -> None:
    (verdict,) = diagnose(
        _dsn(
            "Final-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: 4.0.0\n"
            "Diagnostic-Code: smtp; 421 Service not available\n",
            text="delivery temporarily suspended: connect to mx.example.com[192.0.2.1]:25: "
            "host mx.example.com[192.0.2.1] refused to talk to me: 421 Service not available",
        )
    )
    assert verdict.category == "blocklisted"
    assert any(e.rule == "context:greeting" for e in verdict.evidence)
    assert verdict.action.startswith("The server refused the connection before any sender")
    assert "Look up the listing named in the reply" not in verdict.action


def test_a_size_refusal_in_rfc1870s_words_names_no_provider() -> None:
    verdict = one("552 5.3.4 Message size exceeds fixed maximum message size")
    assert verdict.category == "message-too-large"
    assert verdict.provider is None


def test_the_action_field_outranks_delay_wording() -> None:
    # "delayed too long and expired" is delay wording, but Action: failed says the server gave up.
    (verdict,) = diagnose(
        _dsn(
            "Final-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: 4.4.7\n"
            "Diagnostic-Code: smtp; 421 4.4.7 Message has been delayed too long and expired\n"
        )
    )
    assert "A delay warning" not in verdict.action
    assert verdict.retry != "yes"


def test_a_delay_warning_condemns_no_address_and_keeps_the_causes_advice() -> None:
    (verdict,) = diagnose(
        _dsn(
            "Final-Recipient: rfc822; bob@example.com\nAction: delayed\nStatus: 4.1.1\n"
            "Diagnostic-Code: smtp; 450 4.1.1 <bob@example.com>: Recipient address rejected: "
            "User unknown in local recipient table\n"
        )
    )
    assert verdict.category == "user-unknown"
    assert verdict.bounce == "soft"  # a warning: nothing says to stop mailing the address yet
    assert verdict.action.startswith("A delay warning")
    assert "If a failure report follows: " in verdict.action
    (permanent,) = diagnose(
        _dsn(
            "Final-Recipient: rfc822; bob@example.com\nAction: delayed\nStatus: 5.1.1\n"
            "Diagnostic-Code: smtp; 550 5.1.1 no such user\n"
        )
    )
    assert permanent.retry != "yes"  # never "yes" after a 5yz


@pytest.mark.parametrize(
    ("diagnostic", "says"),
    [
        ("451 4.4.2", "The sending server has stopped trying"),  # the code alone: network
        ("451 4.7.1 Greylisted, please try again", "will not retry this (it has given up)"),
    ],
)
def test_a_final_report_says_the_server_gave_up(diagnostic: str, says: str) -> None:
    (verdict,) = diagnose(
        _dsn(
            f"Final-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: {diagnostic[4:9]}\n"
            f"Diagnostic-Code: smtp; {diagnostic}\n"
        )
    )
    assert verdict.retry == "later"
    assert says in verdict.action


@pytest.mark.parametrize(
    "text",
    [
        "535 5.7.3 Authentication unsuccessful",
        "534 5.7.14 Please log in via your web browser",
        "535 5.7.139 Authentication unsuccessful, basic authentication is disabled",
    ],
)
def test_auth_replies_decide_over_a_providers_security_detail(text: str) -> None:
    assert one(text).category == "auth-required"


def test_a_status_comment_gives_way_to_the_reply_the_notice_quotes() -> None:
    (verdict,) = diagnose(
        _dsn(
            "Final-Recipient: rfc822; bob@example.com\nAction: failed\n"
            "Status: 4.4.7 (unable to deliver this message after 1 day)\n",
            text="Recipient address: bob@example.com\nReason: unable to deliver this message "
            "after 1 day\nDelivery attempt history: Error: Connection timed out",
        )
    )
    assert any(e.rule == "generic-connection-timed-out" for e in verdict.evidence)


def test_a_delay_warning_keeps_what_the_advice_says_beyond_waiting() -> None:
    (verdict,) = diagnose(
        _dsn(
            "Final-Recipient: rfc822; bob@cat.example.net\nAction: delayed\n"
            "Status: 4.0.0 (cat.example.net: host name lookup failure)\n"
        )
    )
    assert verdict.action.startswith("A delay warning")
    assert "If it persists, the destination domain's DNS is broken." in verdict.action
