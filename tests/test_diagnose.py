"""The diagnosis on realistic replies of each provider and each MTA format, its traps, and bare codes.

The provider texts follow the wordings and codes the providers document (each rule's source) as
they reach users: a Postfix log line or bounce paragraph naming the host, or the pasted reply.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from smtpcodes import kb
from smtpcodes.diagnose import Verdict, diagnose, diagnose_reply
from smtpcodes.parse import Reply

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "diagnose"


class Case(NamedTuple):
    name: str
    text: str
    category: str
    bounce: str | None
    retry: str
    party: str | None
    provider: str | None


def said(host: str, ip: str, reply: str, command: str = "RCPT TO") -> str:
    """A Postfix bounce paragraph, as users paste it."""
    return f"<rcpt@example.net>: host {host}[{ip}] said: {reply} (in reply to {command} command)"


GMAIL = "Gmail / Google Workspace"
M365 = "Microsoft 365 / Exchange Online"
OUTLOOK = "Outlook.com / Hotmail (consumer)"
YAHOO = "Yahoo / AOL (Yahoo Inc.)"

CASES = [
    Case(
        "gmail-user-unknown",
        said(
            "gmail-smtp-in.l.google.com",
            "142.250.102.27",
            "550-5.1.1 The email account that you tried to reach does not exist. Please try "
            "550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 "
            "unnecessary spaces. For more information, go to 550 5.1.1 "
            "https://support.google.com/mail/?p=NoSuchUser 6a1803df08f44-6e5a1b2c3d4si1234567.99 "
            "- gsmtp",
        ),
        "user-unknown",
        "hard",
        "no",
        "sender",
        GMAIL,
    ),
    Case(
        "gmail-rate-limit",
        said(
            "gmail-smtp-in.l.google.com",
            "142.250.102.27",
            "452-4.2.1 The recipient you are trying to contact is receiving mail at a rate that "
            "452 4.2.1 prevents additional messages from being delivered. For more information, "
            "go to https://support.google.com/mail/?p=ReceivingRatePerm - gsmtp",
        ),
        "rate-limited",
        "soft",
        "later",
        "recipient",
        GMAIL,
    ),
    Case(
        "microsoft365-dbeb",
        said(
            "contoso-com.mail.protection.outlook.com",
            "52.101.73.2",
            "550 5.4.1 Recipient address rejected: Access denied. "
            "[AM4PEPF00027A64.eurprd04.prod.outlook.com 2026-11-23T09:12:40.885Z]",
        ),
        "user-unknown",
        "hard",
        "no",
        "sender",
        M365,
    ),
    Case(
        "microsoft365-submission-quota",
        "Remote Server returned '550 5.2.2 STOREDRV.Submission.Exception:SubmissionQuotaExceeded"
        "Exception; Failed to process message due to a permanent exception with message Cannot "
        "submit message. Submission quota exceeded.'",
        "rate-limited",
        "soft",
        "later",
        "sender",
        M365,
    ),
    Case(
        "outlook-com-s3150",
        said(
            "hotmail-com.olc.protection.outlook.com",
            "52.101.10.0",
            "550 5.7.1 Unfortunately, messages from [192.0.2.44] weren't sent. Please contact "
            "your Internet service provider since part of their network is on our block list "
            "(S3150). You can also refer your provider to http://mail.live.com/mail/"
            "troubleshooting.aspx#errors. [DM6NAM12FT045.eop-nam12.prod.protection.outlook.com]",
            "MAIL FROM",
        ),
        "blocklisted",
        "soft",
        "no",
        "sender",
        OUTLOOK,
    ),
    Case(
        "exchange-onprem-resolver",
        "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'",
        "user-unknown",
        "hard",
        "no",
        "sender",
        "Microsoft Exchange Server (on-premises)",
    ),
    Case(
        "yahoo-tss04",
        said(
            "mta6.am0.yahoodns.net",
            "67.195.204.72",
            "421 4.7.0 [TSS04] Messages from 192.0.2.192 temporarily deferred due to unexpected "
            "volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
            "MAIL FROM",
        ),
        "reputation",
        "soft",
        "later",
        "sender",
        YAHOO,
    ),
    Case(
        "aol-user-unknown",
        said(
            "mx-aol.mail.gm0.yahoodns.net",
            "67.195.228.106",
            "550 5.1.1 <rcpt@aol.com>: Recipient address rejected: User unknown",
        ),
        "user-unknown",
        "hard",
        "no",
        "sender",
        YAHOO,
    ),
    Case(
        "icloud-cs01",
        said(
            "mx01.mail.icloud.com",
            "17.57.154.6",
            "554 5.7.1 [CS01] Message rejected due to local policy. Please visit "
            "https://support.apple.com/en-us/HT204137",
            "end of DATA",
        ),
        "policy",
        "soft",
        "no",
        "sender",  # the advice is the sender's: authentication and reputation first
        "Apple iCloud Mail",
    ),
    Case(
        "orange-416",
        said(
            "smtp-in.orange.fr",
            "80.12.242.10",
            "550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. "
            "OFR_416 [416]",
        ),
        "user-unknown",
        "hard",
        "no",
        "sender",
        "Orange / Wanadoo / La Poste (France)",
    ),
    Case(
        "gmx-bad-ptr",
        "554-gmx.net (mxgmx017) Nemesis ESMTP Service not available 554-No SMTP service "
        "554-Bad DNS PTR resource record. 554 For explanation visit "
        "http://postmaster.gmx.com/en/error-messages?ip=192.0.2.22&c=rdns",
        "reverse-dns",
        "soft",
        "no",
        "sender-dns",
        "GMX / WEB.DE / 1&1 (United Internet)",
    ),
    Case(
        "comcast-bl000010",
        said(
            "mx1.comcast.net",
            "96.114.157.80",
            "554 resimta-po-19v.sys.comcast.net resimta-po-19v.sys.comcast.net 192.0.2.9 found "
            "on one or more DNSBLs, see http://postmaster.comcast.net/smtp-error-codes.php#BL000010",
            "connect",
        ),
        "blocklisted",
        "soft",
        "no",
        "sender",
        "Comcast (Xfinity)",
    ),
    Case(
        "cox-cxdns",
        said(
            "mx.east.cox.net",
            "68.99.120.4",
            "554 cdptpa-icpimta-004.cox.net cox connection refused from [192.0.2.33]. "
            "IB108 reverse DNS lookup failed AUP#CXDNS",
            "connect",
        ),
        "reverse-dns",
        "soft",
        "later",
        "sender-dns",
        "Cox",
    ),
    Case(
        "godaddy-ib607-is-not-user-unknown",
        said(
            "mx1.secureserver.net",
            "68.178.213.37",
            "550 5.1.1 <rcpt@example.net> sorry, daily limit of recipients reached, IB607",
        ),
        "rate-limited",
        "soft",
        "later",
        "sender",
        "GoDaddy (secureserver.net)",
    ),
    Case(
        "yandex-spam",
        said(
            "mx.yandex.ru",
            "77.88.21.249",
            "554 5.7.1 [2] Message rejected under suspicion of SPAM; https://ya.cc/1IrBc "
            "1763889161-abCdEfGh",
            "end of DATA",
        ),
        "spam-content",
        "soft",
        "no",
        "sender",
        "Yandex Mail",
    ),
    Case(
        "mailru-dmarc",
        said(
            "mxs.mail.ru",
            "94.100.180.31",
            "550 5.7.1 Message rejected due to the sender's domain owner DMARC policy",
            "end of DATA",
        ),
        "authentication",
        "soft",
        "no",
        "sender-dns",
        "Mail.ru (VK)",
    ),
    Case(
        "qq-frequency",
        said(
            "mx3.qq.com",
            "203.205.219.57",
            "550 Ip frequency limited [MTAwLjAuMC4x]. "
            "http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000725",
            "MAIL FROM",
        ),
        "rate-limited",
        "soft",
        "later",
        "sender",
        "Tencent QQ Mail",
    ),
    Case(
        "mimecast-blocked-sender",
        said(
            "eu-smtp-inbound-1.mimecast.com",
            "195.130.217.221",
            "550 Envelope blocked - User Entry - https://community.mimecast.com/docs/DOC-1369#550 "
            "[aBcDeFgHiJkLmN.uk164]",
        ),
        "recipient-filtered",
        "soft",
        "no",
        "recipient",
        "Mimecast",
    ),
    Case(
        "proofpoint-dnsbl",
        said(
            "mx0b-00123456.pphosted.com",
            "148.163.159.100",
            "554 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.225",
            "connect",
        ),
        "blocklisted",
        "soft",
        "no",
        "sender",
        "Proofpoint",
    ),
    Case(
        "barracuda-brbl",
        said(
            "d123456a.ess.barracudanetworks.com",
            "209.222.82.255",
            "554 Service unavailable; Client host [192.0.2.8] blocked using Barracuda Reputation; "
            "http://www.barracudanetworks.com/reputation/?r=1&ip=192.0.2.8",
            "connect",
        ),
        "blocklisted",
        "soft",
        "no",
        "sender",
        "Barracuda",
    ),
    Case(
        "spamhaus-zen",
        said(
            "mail.example.com",
            "192.0.2.50",
            "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org; "
            "https://www.spamhaus.org/query/ip/192.0.2.9",
        ),
        "blocklisted",
        "soft",
        "no",
        "sender",
        "Spamhaus (DNSBL used by many receivers)",
    ),
    Case(
        "spamhaus-open-resolver-is-the-receiver",
        said(
            "mail.example.com",
            "192.0.2.50",
            "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org; "
            "Error: open resolver; https://www.spamhaus.org/returnc/pub/192.0.2.50",
        ),
        "system-error",
        "soft",
        "later",
        "receiving-site",
        "Spamhaus (DNSBL used by many receivers)",
    ),
    Case(
        "cisco-poor-reputation",
        said(
            "esa1.example.iphmx.com",
            "68.232.140.10",
            "554 Your access to this mail system has been rejected due to the sending MTA's poor "
            "reputation. If you believe that this failure is in error, please contact the "
            "intended recipient via alternate means.",
            "connect",
        ),
        "reputation",
        "soft",
        "no",
        "sender",
        "Cisco Secure Email (IronPort)",
    ),
    Case(
        "yahoo-5.7.9-is-authentication",
        said(
            "mta5.am0.yahoodns.net",
            "67.195.204.79",
            "554 5.7.9 Message not accepted for policy reasons.  See "
            "https://senders.yahooinc.com/error-codes",
            "end of DATA",
        ),
        "authentication",
        "soft",
        "no",
        "sender-dns",
        YAHOO,
    ),
    Case(
        "qmail-over-quota-with-5.1.1",
        "<lena@hosting.example.net>:\n203.0.113.7 does not like recipient.\n"
        "Remote host said: 552 User over quota. (#5.1.1)\nGiving up on 203.0.113.7.",
        "mailbox-full",
        "soft",
        "later",
        "recipient",
        None,
    ),
]


def one(text: str | bytes) -> Verdict:
    verdicts = diagnose(text)
    assert len(verdicts) == 1, verdicts
    return verdicts[0]


def _cites_sources(verdict: Verdict) -> None:
    assert verdict.evidence
    for evidence in verdict.evidence:
        assert evidence.rule and evidence.source.strip() and evidence.matched is not None
    assert any(e.rule in {r.id for r in kb.rules()} or e.rule.startswith("code:")
               for e in verdict.evidence)  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_provider_reply(case: Case) -> None:
    verdict = one(case.text)
    assert (verdict.category, verdict.bounce, verdict.retry, verdict.party) == (
        case.category,
        case.bounce,
        case.retry,
        case.party,
    )
    assert verdict.provider == case.provider
    _cites_sources(verdict)


def test_every_required_provider_has_a_case() -> None:
    required = {
        GMAIL,
        M365,
        OUTLOOK,
        YAHOO,
        "Apple iCloud Mail",
        "Orange / Wanadoo / La Poste (France)",
        "GMX / WEB.DE / 1&1 (United Internet)",
        "Comcast (Xfinity)",
        "Cox",
        "GoDaddy (secureserver.net)",
        "Yandex Mail",
        "Mail.ru (VK)",
        "Tencent QQ Mail",
        "Mimecast",
        "Proofpoint",
        "Barracuda",
        "Spamhaus (DNSBL used by many receivers)",
        "Cisco Secure Email (IronPort)",
        "Microsoft Exchange Server (on-premises)",
    }
    assert required <= {c.provider for c in CASES}


# --- the traps ---------------------------------------------------------------------------------


def test_text_beats_a_default_code_and_says_so() -> None:
    verdict = one(CASES[[c.name for c in CASES].index("godaddy-ib607-is-not-user-unknown")].text)
    assert verdict.enhanced_code == "5.1.1"
    assert verdict.conflict is not None
    assert "5.1.1" in verdict.conflict and "user-unknown" in verdict.conflict
    assert "text wins" in verdict.conflict
    assert verdict.confidence in ("medium", "low")


def test_flattened_gmail_multiline_reply() -> None:
    text = (
        "550-5.7.26 This mail is unauthenticated, which poses a security risk to the sender and "
        "Gmail users, and has been blocked. The sender must authenticate with at least one of SPF "
        "or DKIM. For this message, DKIM checks did not pass and SPF check for [example.org] did "
        "not pass with ip: [192.0.2.10]. The sender should visit 550-5.7.26 "
        "https://support.google.com/mail/answer/81126#authentication for instructions on setting "
        "up authentication. 550 5.7.26 a1-20020a170902e54100b001234567si.123 - gsmtp"
    )
    verdict = one(text)
    assert (verdict.reply_code, verdict.enhanced_code) == ("550", "5.7.26")
    assert verdict.category == "authentication" and verdict.party == "sender-dns"
    assert verdict.bounce == "soft" and verdict.provider == GMAIL
    assert verdict.conflict is None
    assert "550-5.7.26" not in verdict.reply.text


def test_user_unknown_after_data_is_a_filter() -> None:
    verdict = one((FIXTURES / "sendmail-after-data.eml").read_bytes())
    assert verdict.category == "recipient-filtered" and verdict.bounce == "soft"
    assert verdict.reply.smtp_command == "DATA"
    assert any(e.rule == "context:after-data" for e in verdict.evidence)


def test_user_unknown_needs_more_than_a_generic_wording_in_a_bounce() -> None:
    # Neither the phase, nor an X.1.x status, nor a provider's wording: not condemned.
    reply = Reply(
        text="User unknown", raw="550 User unknown", reply_code="550", message_kind="bounce"
    )
    verdict = diagnose_reply(reply)
    assert verdict is not None and verdict.category == "recipient-filtered"
    assert any(e.rule == "context:uncorroborated" for e in verdict.evidence)
    at_rcpt = diagnose_reply(reply._replace(smtp_command="RCPT TO"))
    assert at_rcpt is not None and at_rcpt.category == "user-unknown"
    assert at_rcpt.bounce == "hard"
    pasted = one("550 User unknown")  # a pasted reply keeps the wording's plain meaning
    assert pasted.category == "user-unknown"


def _dsn_reply(text: str, code: str = "550", status: str = "5.0.0") -> Reply:
    """A DSN recipient with no SMTP phase and no X.1.x status: only the wording can tell."""
    return Reply(
        text=text,
        raw=f"Diagnostic-Code: smtp; {code} {text}",
        reply_code=code,
        enhanced_code=None,
        dsn_status=status,
        dsn_action="failed",
        diagnostic_type="smtp",
        message_kind="dsn",
    )


def test_kddi_quotes_the_address_only_when_it_does_not_exist() -> None:
    # au (KDDI) answers "550 <address>: User unknown" for a mailbox it does not have, and
    # "550 : User unknown" when the recipient's domain filter refused the sender.
    unknown = diagnose_reply(_dsn_reply("<t.yamada-1984@ezweb.ne.jp>: User unknown"))
    assert unknown is not None and unknown.category == "user-unknown"
    assert unknown.bounce == "hard"
    assert any(e.rule == "kddi-user-unknown-with-address" for e in unknown.evidence)
    on_au = diagnose_reply(_dsn_reply("<hanako.s@au.com>: User unknown"))
    assert on_au is not None and on_au.category == "user-unknown"
    filtered = diagnose_reply(_dsn_reply(": User unknown"))
    assert filtered is not None and filtered.category == "recipient-filtered"
    assert filtered.bounce == "soft"
    # Another domain quoted the same way stays a generic wording (not corroborated).
    elsewhere = diagnose_reply(_dsn_reply("<t.yamada@example.co.jp>: User unknown"))
    assert elsewhere is not None and elsewhere.category == "recipient-filtered"
    # The Japanese carriers' filters answer "user unknown" after DATA: still a filter there.
    after_data = diagnose_reply(
        _dsn_reply("Unknown user t.yamada-1984@docomo.ne.jp")._replace(smtp_command="DATA")
    )
    assert after_data is not None and after_data.category == "recipient-filtered"


def test_gateway_user_not_registered_is_about_the_recipient() -> None:
    # RFC 3464 Appendix E: the gateway quotes the Final-Recipient.
    verdict = diagnose_reply(
        _dsn_reply("'j.smith@mail.example.org' is not a registered gateway user")
    )
    assert verdict is not None and verdict.category == "user-unknown"
    assert verdict.bounce == "hard" and verdict.retry == "no"
    assert any(e.rule == "generic-not-registered-gateway-user" for e in verdict.evidence)


def test_refusal_at_mail_from_is_about_the_sender() -> None:
    verdict = one(
        "Connected to 192.0.2.225 but sender was rejected.\n"
        "Remote host said: 550 5.7.1 <root@host.example.org>... Access denied"
    )
    assert verdict.reply.smtp_command == "MAIL FROM"
    assert verdict.category == "sender-rejected"


# --- MTA formats ---------------------------------------------------------------------------------


def test_postfix_dsn_gives_one_verdict_per_recipient() -> None:
    verdicts = diagnose((FIXTURES / "postfix-dsn.eml").read_bytes())
    by_rcpt = {v.reply.recipient: v for v in verdicts}
    gmail = by_rcpt["ana.lopez@gmail.com"]
    assert (gmail.category, gmail.provider, gmail.reply.smtp_command) == (
        "authentication",
        GMAIL,
        "DATA",
    )
    assert gmail.reply.remote_host == "gmail-smtp-in.l.google.com"
    dbeb = by_rcpt["j.smith@contoso.com"]
    assert (dbeb.category, dbeb.bounce, dbeb.provider) == ("user-unknown", "hard", M365)
    assert dbeb.reply.smtp_command == "RCPT TO"
    for verdict in verdicts:
        assert verdict.to_json()["mappings"]
        _cites_sources(verdict)


def test_gmail_failed_permanently_to_connect_is_expired() -> None:
    verdict = one((FIXTURES / "gmail-expired.eml").read_bytes())
    assert (verdict.category, verdict.bounce, verdict.provider) == ("expired", "soft", GMAIL)
    assert any(e.rule == "context:gave-up" for e in verdict.evidence)
    assert any(e.rule == "gmail-could-not-connect" for e in verdict.evidence)


def test_exim_delay_warning_keeps_its_cause() -> None:
    verdict = one((FIXTURES / "exim-delay.eml").read_bytes())
    assert verdict.category == "network" and verdict.retry == "yes"
    assert verdict.reply.recipient == "billing@shop.example.net"


def test_qmail_bounce() -> None:
    by_rcpt = {v.reply.recipient: v for v in diagnose((FIXTURES / "qmail-bounce.eml").read_bytes())}
    quota = by_rcpt["lena@hosting.example.net"]
    assert quota.category == "mailbox-full" and quota.bounce == "soft"
    assert quota.enhanced_code == "5.1.1" and quota.conflict is not None
    gone = by_rcpt["ops@nohost.example.invalid"]
    assert gone.category == "domain-unknown" and gone.bounce == "hard"


def test_mail_log_lines() -> None:
    verdicts = diagnose((FIXTURES / "maillog.txt").read_text(encoding="utf-8"))
    got = [(v.reply.origin, v.category, v.bounce) for v in verdicts]
    assert got == [
        ("postfix", "authentication", "soft"),
        ("postfix", "expired", "soft"),
        ("exim", "user-unknown", "hard"),
        ("sendmail", "user-unknown", "hard"),
        ("qmail", "user-unknown", "hard"),
    ]
    assert verdicts[0].provider == YAHOO
    assert verdicts[2].reply.smtp_command == "RCPT TO"
    assert verdicts[4].reply.queue_id == "5521"


# --- bare codes ----------------------------------------------------------------------------------


def test_bare_codes() -> None:
    auth = one("5.7.26")
    assert (auth.category, auth.bounce, auth.party) == ("authentication", "soft", "sender-dns")
    unknown = one("5.1.1")
    assert (unknown.category, unknown.bounce, unknown.retry) == ("user-unknown", "hard", "no")
    odd = one("4.7.999")
    assert odd.category == "policy" and odd.bounce == "soft" and odd.retry == "later"
    assert odd.confidence == "low"
    assert "RFC 3463 section 2" in odd.evidence[0].source


def test_vendor_code_names_its_provider() -> None:
    verdict = one("5.7.708")
    assert verdict.provider == M365 and verdict.provider_meaning
    # A registered code that one vendor also uses does not name that vendor by itself.
    assert one("5.2.1").provider is None


def test_a_list_managers_loop_alert_gets_a_verdict() -> None:
    # fml's notice has no code and names no failed recipient in a field: the list's address in
    # its one line is whose post was refused, and the rule says why.
    parse = Path(__file__).resolve().parent / "fixtures" / "parse"
    verdict = one((parse / "fml-loop.eml").read_bytes())
    assert verdict.reply.recipient == "cats@lists.example.net"
    assert (verdict.category, verdict.retry, verdict.party) == ("network", "no", "sender")
    assert verdict.evidence[0].rule == "fml-duplicated-message-id"


def test_the_deciding_rules_meaning_is_in_the_verdict_even_without_a_provider() -> None:
    # Rules of mail software (Postfix, fml) name no provider, so provider_meaning stays empty;
    # what they know of the reply was lost before rule_meaning.
    [verdict] = diagnose(
        "550 5.1.1 <a@example.com>: Recipient address rejected: User unknown in virtual mailbox"
        " table"
    )
    assert verdict.provider is None and verdict.rule_meaning
    rule = next(r for r in kb.rules() if r.id == verdict.evidence[0].rule)
    assert verdict.rule_meaning == rule.meaning == verdict.to_json()["rule_meaning"]
    # A bare code has no rule.
    assert diagnose("550 5.7.26")[0].rule_meaning is None
