"""The knowledge base: data file schemas, pattern safety, adversarial input and real replies."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smtpcodes import kb

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "set-of-emails"
DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")

# Sisimai 5.1.0 reason names, plus the 5.2 additions and the Dec 2025 merged names.
SISIMAI_REASONS = {
    "authfailure", "badreputation", "blocked", "contenterror", "delivered", "exceedlimit",
    "expired", "feedback", "filtered", "hasmoved", "hostunknown", "mailboxfull", "mailererror",
    "mesgtoobig", "networkerror", "norelaying", "notaccept", "notcompliantrfc", "onhold",
    "policyviolation", "rejected", "requireptr", "securityerror", "spamdetected", "speeding",
    "suspend", "syntaxerror", "systemerror", "systemfull", "toomanyconn", "undefined",
    "userunknown", "vacation", "virusdetected",
    "failedstarttls", "suppressed", "ratelimited", "emailtoolarge",
}  # fmt: skip
SES_SUBTYPES = {
    "Permanent": {"General", "NoEmail", "Suppressed", "OnAccountSuppressionList"},
    "Transient": {
        "General",
        "MailboxFull",
        "MessageTooLarge",
        "ContentRejected",
        "AttachmentRejected",
    },
    "Undetermined": {"Undetermined"},
}
# The providers every diagnosis must know (each needs a rule and a realistic reply below).
REQUIRED_PROVIDERS = (
    "gmail", "microsoft365", "outlook-com", "exchange-onprem", "yahoo", "icloud", "orange", "gmx",
    "comcast", "cox", "godaddy", "yandex", "mailru", "qq", "mimecast", "proofpoint", "barracuda",
    "spamhaus", "cisco", "postfix", "exim", "sendmail", "qmail",
)  # fmt: skip
MTAS = ("exchange-onprem", "postfix", "exim", "sendmail", "qmail", "spamhaus", "generic")
RULE_KEYS = {
    "id", "provider", "match", "match_type", "reply", "enhanced", "category", "retry", "party",
    "meaning", "advice", "priority", "confidence", "source", "checked",
}  # fmt: skip


def raw_rules() -> list[dict[str, Any]]:
    lines = (DATA / "rules.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def raw_csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def top(text: str) -> kb.RuleMatch:
    found = kb.match_rules(text)
    assert found, f"no rule matched {text!r}"
    return found[0]


# --------------------------------------------------------------------------- categories


def test_every_contract_category_is_present_exactly_once() -> None:
    ids = [row["id"] for row in raw_csv("categories.csv")]
    assert Counter(ids) == Counter(kb.CATEGORY_IDS)
    assert len(kb.CATEGORY_IDS) == 33
    assert tuple(kb.categories()) == kb.CATEGORY_IDS


def test_category_rows_are_complete() -> None:
    rows = raw_csv("categories.csv")
    assert list(rows[0]) == [
        "id", "title", "description", "action", "party", "retry", "sisimai",
        "ses_bounce_type", "ses_bounce_subtype", "source",
    ]  # fmt: skip
    for row in rows:
        cat = kb.category(row["id"])
        assert cat.title and cat.description and cat.action and cat.source
        assert cat.retry in kb.RETRY_VALUES
        if row["id"] in ("delivered", "auto-reply", "feedback"):
            assert cat.party is None and cat.ses_bounce_type == "" and not cat.is_failure
        else:
            assert cat.party in kb.PARTIES
            assert cat.ses_bounce_subtype in SES_SUBTYPES[cat.ses_bounce_type], row["id"]
        assert set(cat.sisimai) <= SISIMAI_REASONS, row["id"]


@pytest.mark.parametrize(
    ("category", "reason"),
    [
        ("user-unknown", "userunknown"),
        ("message-too-large", "mesgtoobig"),
        ("rate-limited", "toomanyconn"),
        ("authentication", "authfailure"),
        ("reverse-dns", "requireptr"),
        ("blocklisted", "blocked"),
        ("reputation", "badreputation"),
        ("recipient-filtered", "filtered"),
        ("mailbox-disabled", "suspend"),
        ("domain-rejects-mail", "notaccept"),
        ("undetermined", "undefined"),
    ],
)
def test_canonical_sisimai_reason(category: str, reason: str) -> None:
    assert kb.category(category).sisimai_reason == reason


def test_sisimai_merged_names_are_listed() -> None:
    assert "emailtoolarge" in kb.category("message-too-large").sisimai
    assert {"speeding", "ratelimited"} <= set(kb.category("rate-limited").sisimai)
    assert kb.category("greylisted").sisimai_reason is None  # Sisimai has no such reason


def test_unknown_category_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        kb.category("bounced")


def test_categories_are_read_only() -> None:
    with pytest.raises(TypeError):
        kb.categories()["x"] = kb.category("virus")  # type: ignore[index]


# --------------------------------------------------------------------------- providers


def test_provider_rows_are_complete() -> None:
    rows = raw_csv("providers.csv")
    assert list(rows[0]) == ["id", "name", "hosts", "source", "checked"]
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert set(REQUIRED_PROVIDERS) <= set(ids)
    for row in rows:
        assert SLUG.match(row["id"]) and row["name"] and row["source"]
        assert DATE.match(row["checked"])
    for mta in MTAS:
        assert kb.provider(mta).hosts == ()


def test_host_suffixes_belong_to_one_provider() -> None:
    hosts = [h for p in kb.providers().values() for h in p.hosts]
    assert len(hosts) == len(set(hosts))
    assert all(h == h.lower() and "." in h for h in hosts)


@pytest.mark.parametrize(
    ("host", "provider"),
    [
        ("gmail-smtp-in.l.google.com", "gmail"),
        ("ASPMX.L.GOOGLE.COM.", "gmail"),
        ("contoso-com.mail.protection.outlook.com", "microsoft365"),
        ("hotmail-com.olc.protection.outlook.com", "outlook-com"),
        ("mx4.hotmail.com", "outlook-com"),
        ("mta5.am0.yahoodns.net", "yahoo"),
        ("mx01.mail.icloud.com", "icloud"),
        ("eu-smtp-inbound-1.mimecast.com", "mimecast"),
        ("mx0a-001.pphosted.com", "proofpoint"),
        ("smtp.secureserver.net", "godaddy"),
        ("d123.ess.barracudanetworks.com", "barracuda"),
        ("esa1.example.iphmx.com", "cisco"),
        ("smtp-in.orange.fr", "orange"),
        ("mx00.gmx.net", "gmx"),
        ("mx3.qq.com", "qq"),
    ],
)
def test_provider_for_host(host: str, provider: str) -> None:
    found = kb.provider_for_host(host)
    assert found is not None and found.id == provider


@pytest.mark.parametrize("host", ["", ".", "notgoogle.com", "google.com.evil.example", "localhost"])
def test_provider_for_host_needs_a_dot_boundary(host: str) -> None:
    assert kb.provider_for_host(host) is None


# --------------------------------------------------------------------------- rules


def test_rule_rows_follow_the_schema() -> None:
    rows = raw_rules()
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    providers = kb.providers()
    for row in rows:
        assert set(row) - {"stage", "header"} == RULE_KEYS, row["id"]
        assert ("header" in row) == (row["match_type"] == "header"), row["id"]
        assert row.get("stage", None) in (None, *kb.STAGES), row["id"]
        assert SLUG.match(row["id"])
        assert row["provider"] in providers
        assert row["category"] in kb.CATEGORY_IDS
        assert row["retry"] in kb.RETRY_VALUES
        assert row["match_type"] in ("substring", "regex", "header")
        assert type(row["priority"]) is int and row["priority"] in kb.PRIORITIES
        assert row["confidence"] in kb.CONFIDENCES
        assert row["meaning"].strip() and row["advice"].strip() and row["source"].strip()
        assert DATE.match(row["checked"])
        if kb.category(row["category"]).is_failure:
            assert row["party"] in kb.PARTIES, row["id"]
    assert len(kb.rules()) == len(rows)


def test_low_confidence_rules_name_a_second_source() -> None:
    for rule in kb.rules():
        if rule.confidence == "low":
            assert ";" in rule.source, rule.id


def test_every_regex_is_safe_and_compiles() -> None:
    problems = {
        rule.id: kb.check_pattern(rule.match) for rule in kb.rules() if rule.match_type == "regex"
    }
    assert problems and not {k: v for k, v in problems.items() if v is not None}


def test_substring_rules_are_not_regexes_in_disguise() -> None:
    for rule in kb.rules():
        if rule.match_type == "substring":
            assert not re.search(r"\||\(\?|\\[.dsbS]|\{\d", rule.match), rule.id


def test_every_required_provider_has_rules() -> None:
    counts = Counter(rule.provider for rule in kb.rules())
    for provider in REQUIRED_PROVIDERS:
        assert counts[provider] >= 1, provider


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a+)+b",
        r"abc.*def",
        r"abc\S+def",
        r"abc\d{2,}",
        r"abc[^x]{0,10}\s{0,3}x",
        r"abc\d{0,3}\d{0,3}",
        r"x[^\n]{0,200}a[^\n]{0,200}y",
        r"abc(?:x|y)?[a-z]{0,5}[a-c]{1,3}",
        r"(ab){2,5}cde",
        r"(?:abc|def){0,4}",
        r"abc{0,500}",
        r"(a)bc\1",
        r"(?<=a)bcd",
        r"(?i)abcd",
        r"ab|cd",
        r"[a-z]{1,9}",
        r"abc(",
    ],
)
def test_check_pattern_rejects(pattern: str) -> None:
    assert kb.check_pattern(pattern) is not None


@pytest.mark.parametrize(
    "pattern",
    [
        r"\bIB(?:504|510|607)\b",
        r"The recipient address [^\n]{0,256} is not a valid RFC 5321 address",
        r"connect to [^\s\[]{1,255}\[[^\]\s]{1,64}\]:25: Connection timed out",
        r"\b550 (?:5\.7\.1 )?Access denied\b(?![,.] ?(?:banned|spam))",
        r"Mailaddress is administrativ?e?ly disabled",
        r"(?:OFR|LPN)\d{0,4}_416\b|Adresse d au moins un destinataire invalide",
    ],
)
def test_check_pattern_accepts(pattern: str) -> None:
    assert kb.check_pattern(pattern) is None


# --------------------------------------------------------------------------- adversarial input

MB = 1_000_000
ADVERSARIAL = {
    "dotted": "5.5.5.5." * (MB // 8),
    "continuations": "550-" * (MB // 4),
    "spaces": " " * MB,
    "angles": "<" * MB,
    "parens": "(" * MB,
    "letters": "a" * MB,
    "reply-lines": "550-5.7.1 x\n" * (MB // 12),
    "rule-words": "user unknown mailbox full relay access denied " * (MB // 47),
    "gap-bait": "The recipient address " * (MB // 22),
}


def test_adversarial_megabyte_inputs_finish(capsys: pytest.CaptureFixture[str]) -> None:
    kb.match_rules("warm up the matcher")
    timings: dict[str, float] = {}
    for name, text in ADVERSARIAL.items():
        started = time.perf_counter()
        kb.match_rules(text)
        timings[name] = time.perf_counter() - started
    worst = max(timings, key=lambda name: timings[name])
    with capsys.disabled():
        print(f"\nadversarial 1 MB inputs: worst {worst} {timings[worst] * 1000:.0f} ms")
    # Generous: the point is that nothing backtracks for minutes, not the exact speed.
    assert timings[worst] < 10


def test_every_regex_stays_linear_without_the_prefilter() -> None:
    # Each pattern on its own (no literal pre-filter): the 64 KB time must not explode.
    texts = [text[: 64 * 1024] for text in ADVERSARIAL.values()]
    slowest = 0.0
    for rule in kb.rules():
        if rule.match_type != "regex":
            continue
        compiled = re.compile(rule.match, re.IGNORECASE | re.ASCII)
        for text in texts:
            started = time.perf_counter()
            compiled.search(text)
            slowest = max(slowest, time.perf_counter() - started)
    assert slowest < 2


# --------------------------------------------------------------------------- real replies

EXAMPLES = [
    # (provider, reply as sent, winning rule id, category)
    ("gmail", "550-5.7.26 This mail has been blocked because the sender is unauthenticated.\n"
     "550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.\n"
     "550 5.7.26 DKIM = did not pass - gsmtp",
     "gmail-unauthenticated-blocked", "authentication"),
    ("gmail", "550-5.7.1 This message does not have authentication information or fails to pass\n"
     "550-5.7.1 authentication checks. To best protect our users from spam, the\n"
     "550 5.7.1 message has been blocked. - gsmtp",
     "gmail-no-authentication-legacy", "authentication"),
    ("gmail", "552-5.2.2 The recipient's inbox is out of storage space and inactive. - gsmtp",
     "gmail-inbox-full-inactive", "mailbox-full"),
    ("microsoft365", "550 5.7.708 Service unavailable. Access denied, traffic not accepted from "
     "this IP. For more information please go to http://go.microsoft.com/fwlink/?LinkId=526653",
     "microsoft-traffic-not-accepted-from-ip", "reputation"),
    ("microsoft365", "554 5.2.2 mailbox full; STOREDRV.Submission.Exception:"
     "SubmissionQuotaExceededException; Failed to process message due to a permanent exception "
     "with message [BeginDiagnosticData]Submission quota exceeded[EndDiagnosticData]",
     "microsoft-submission-quota", "rate-limited"),
    ("microsoft365", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP "
     "address lookup", "microsoft-recipient-not-found", "user-unknown"),
    ("microsoft365", "550 5.7.12 Sender was not authenticated by organization",
     "microsoft-sender-not-authenticated-by-org", "recipient-filtered"),
    ("outlook-com", "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please "
     "contact your Internet service provider since part of their network is on our block list "
     "(S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx",
     "outlook-s3150", "blocklisted"),
    ("outlook-com", "451 4.7.650 The mail server [192.0.2.25] has been temporarily rate limited "
     "due to IP reputation. For e-mail delivery information, see https://postmaster.live.com",
     "outlook-rate-limited-ip-reputation", "reputation"),
    ("exchange-onprem", "#550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found ##",
     "exchange-recipient-not-found", "user-unknown"),
    ("yahoo", "421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred due to unexpected "
     "volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
     "yahoo-tss04", "reputation"),
    ("yahoo", "554 5.7.9 Message not accepted for policy reasons.  See "
     "https://senders.yahooinc.com/error-codes", "yahoo-policy-reasons-5-7-9", "authentication"),
    ("yahoo", "554 delivery error: dd This user doesn't have a yahoo.com account "
     "(nobody@yahoo.com) [0] - mta1061.mail.ne1.yahoo.com", "yahoo-user-not-found", "user-unknown"),
    ("icloud", "554 5.7.1 [HM08] Message rejected due to local policy. Please visit "
     "https://support.apple.com/en-us/HT204137", "icloud-hm07-hm08", "policy"),
    ("icloud", "550 5.1.6 recipient no longer on server: kijitora@icloud.com",
     "icloud-no-longer-on-server", "mailbox-moved"),
    ("orange", "550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. "
     "OFR_416 [416]", "orange-416-invalid-recipient", "user-unknown"),
    ("orange", "550 mwinf5c04 ME Adresse IP source bloquee pour incident de spam. Client host "
     "blocked for spamming issues. OFR006_102 Ref http://csi.cloudmark.com/reset-request/",
     "orange-102-ip-blocked-spam", "blocklisted"),
    ("gmx", "554-mail.com (mxgmxus002) Nemesis ESMTP Service not available\n554-No SMTP service\n"
     "554 Bad DNS PTR resource record. For explanation visit http://postmaster.gmx.com/en/",
     "gmx-bad-ptr", "reverse-dns"),
    ("comcast", "554 resimta-ch2-18v.sys.comcast.net comcast 192.0.2.1 Comcast block for spam. "
     "Please see http://postmaster.comcast.net/smtp-error-codes.php#BL000000",
     "comcast-bl000000", "blocklisted"),
    ("cox", "554 cdptpa-mxmta01.email.rr.com cox 192.0.2.1 blocked. Refer to Error Code AUP#CXBL "
     "https://www.cox.com/residential/support/email-error-codes.html", "cox-cxbl", "blocklisted"),
    ("spectrum", "554 5.7.1 Refused: AUP#In-1000 see https://www.spectrum.net/support/",
     "spectrum-1000", "blocklisted"),
    ("godaddy", "550 5.1.1 <kijitora@example.com> - 203.0.113.222 has sent to too many "
     "recipients this hour. IB607 <http://x.co/rlbounce>", "godaddy-ib504-ib510-ib607",
     "rate-limited"),
    ("yandex", "554 5.7.1 Message rejected under suspicion of SPAM; https://ya.cc/1IrBc 16270",
     "yandex-spam", "spam-content"),
    ("mailru", "550 spam message rejected. Please visit http://help.mail.ru/notspam-support/id "
     "or report details to abuse@corp.mail.ru.", "mailru-spam", "spam-content"),
    ("qq", "550 Ip frequency limited [V2VkIEFw Blocked IP 192.0.2.22]. "
     "http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000725",
     "qq-frequency-limited", "rate-limited"),
    ("netease", "554 DT:SPM 163 smtp11,D8CowAC0xZ6 http://mail.163.com/help/help_spam_16.htm?ip=1",
     "netease-spam", "spam-content"),
    ("zoho", "554 5.7.1 Email cannot be delivered. Reason: Email flagged as Spam.",
     "zoho-flagged-spam", "spam-content"),
    ("tonline", "554 IP=192.0.2.254 - A problem occurred. (Ask your postmaster for help or to "
     "contact tosa@rx.t-online.de to clarify.) (BL)", "tonline-bl", "blocklisted"),
    ("iua", "550 Mailbox is frozen. See http://mail.i.ua/err/3/", "iua-err-3-frozen",
     "mailbox-disabled"),
    ("att", "553 5.3.0 flph829 DNSBL:RBL 521< 192.0.2.1 >_is_blocked.For assistance forward this "
     "error to abuse_rbl@abuse-att.net", "att-dnsbl-rbl", "blocklisted"),
    ("earthlink", "550 ip 192.0.2.1 is blocked by EarthLink. Go to earthlink.net/block.",
     "earthlink-ip-blocked", "blocklisted"),
    ("sfr", "550 5.7.1 Service refuse. Abus detecte GU_EIB_02", "sfr-abuse-detected",
     "blocklisted"),
    ("free", "550 5.7.1 too many spams from your IP (192.0.2.1), please visit "
     "http://postmaster.free.fr/", "free-too-many-spams", "blocklisted"),
    ("cloudflare", "421 4.3.0 Upstream error, please check "
     "https://developers.cloudflare.com/email-routing/postmaster for possible reasons why.",
     "cloudflare-upstream-error", "undetermined"),
    ("domino", "User some.name (kijitora@example.jp) not listed in Domino Directory",
     "domino-not-in-directory", "user-unknown"),
    ("verizon", "Message could not be delivered to mobile. Error: No valid recipients for this MM",
     "verizon-no-valid-recipients-mm", "user-unknown"),
    ("mxlogic", "451 Could not load DRD for domain (example.com) rcpt (kijitora@example.com)",
     "mxlogic-could-not-load-drd", "system-error"),
    ("amazon-ses", "554 Message rejected: Email address is not verified. The following "
     "identities failed the check in region US-EAST-1: sender@example.com",
     "ses-identity-not-verified", "sender-rejected"),
    ("mimecast", "554 Host network not allowed - https://community.mimecast.com/docs/DOC-1369#554",
     "mimecast-host-network-not-allowed", "policy"),
    ("mimecast", "451 Internal resources are temporarily unavailable - "
     "https://community.mimecast.com/docs/DOC-1369#451", "mimecast-greylisting", "greylisted"),
    ("proofpoint", "554 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.1",
     "proofpoint-dnsbl", "blocklisted"),
    ("barracuda", "554 Service unavailable; Client host [192.0.2.1] blocked using Barracuda "
     "Reputation; http://www.barracudanetworks.com/reputation/?r=1&ip=192.0.2.1",
     "barracuda-brbl", "blocklisted"),
    ("cisco", "554 Your access to this mail system has been rejected due to the sending MTA's "
     "poor reputation. If you believe that this failure is in error, please contact the "
     "intended recipient via alternate means.", "cisco-poor-reputation", "reputation"),
    ("symantec", "Please turn on SMTP Authentication in your mail client. "
     "mail0.bemta0.messagelabs.com [198.51.100.21]:11111 is not permitted to relay through this "
     "server without authentication.", "symantec-relay-needs-auth", "auth-required"),
    ("spamhaus", "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using "
     "zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1",
     "spamhaus-blocked-using", "blocklisted"),
    ("spamhaus", "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using "
     "zen.spamhaus.org; Error: open resolver; https://www.spamhaus.org/returnc/pub/203.0.113.53",
     "spamhaus-open-resolver", "system-error"),
    ("postfix", "550 5.1.1 <kijitora@example.jp>: Recipient address rejected: User unknown in "
     "virtual mailbox table", "postfix-user-unknown-table", "user-unknown"),
    ("postfix", "connect to mx.example.org[192.0.2.1]:25: Connection timed out",
     "postfix-connect-timed-out", "network"),
    ("exim", "mailbox is full: retry timeout exceeded", "exim-mailbox-full", "mailbox-full"),
    ("exim", "an MX or SRV record indicated no SMTP service", "exim-null-mx",
     "domain-rejects-mail"),
    ("sendmail", "553 5.1.8 <root@host.example.org>... Domain of sender address "
     "root@host.example.org does not exist", "sendmail-sender-domain-not-exist",
     "sender-rejected"),
    ("sendmail", "550 5.7.1 Relaying denied. IP name lookup failed [192.0.2.254]",
     "sendmail-relaying-denied-no-rdns", "relay-denied"),
    ("qmail", "Sorry, no mailbox here by that name. (#5.1.1)", "qmail-no-mailbox",
     "user-unknown"),
    ("qmail", "Remote host said: 552 User over quota. (#5.1.1)", "qmail-over-quota",
     "mailbox-full"),
    ("generic", "452 4.2.2 <kijitora@example.org>: Over quota", "generic-mailbox-full",
     "mailbox-full"),
    ("kddi", "550 <t.yamada-1984@ezweb.ne.jp>: User unknown", "kddi-user-unknown-with-address",
     "user-unknown"),
]  # fmt: skip


@pytest.mark.parametrize(("provider", "text", "rule_id", "category"), EXAMPLES)
def test_real_reply_is_classified(provider: str, text: str, rule_id: str, category: str) -> None:
    best = top(text)
    assert (best.rule.id, best.rule.category) == (rule_id, category)
    assert best.rule.provider == provider
    assert best.matched.lower() in kb.normalize_text(text).lower()


def test_every_provider_with_rules_has_an_example() -> None:
    assert {rule.provider for rule in kb.rules()} == {example[0] for example in EXAMPLES}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("550 5.1.1 <bob@example.com>... User unknown", "user-unknown"),
        ("550 No such user here", "user-unknown"),
        ("552 5.2.2 Mailbox full", "mailbox-full"),
        ("452 4.2.2 Quota exceeded (mailbox for user is full)", "mailbox-full"),
        ("554 5.7.1 <bob@example.com>: Relay access denied", "relay-denied"),
        ("450 4.2.0 <bob@example.com>: Recipient address rejected: Greylisted", "greylisted"),
        ("451 4.7.1 Please try again later", "greylisted"),
        ("552 5.3.4 Message size exceeds fixed limit", "message-too-large"),
        ("550 5.7.1 Message scored as spam", "spam-content"),
        ("554 5.7.0 Virus detected in attachment", "virus"),
        ("550 5.7.23 SPF check failed", "authentication"),
        ("550 5.7.1 DKIM signature verification failed", "authentication"),
        ("550 5.7.1 Email rejected per DMARC policy for example.org", "authentication"),
        ("550 5.7.25 Reverse DNS required", "reverse-dns"),
        ("530 5.7.0 Must issue a STARTTLS command first", "tls-required"),
        ("530 5.7.0 Authentication required", "auth-required"),
        ("535 5.7.8 Authentication credentials invalid", "auth-required"),
        ("connect to mx.example.com[192.0.2.1]:25: Connection refused", "network"),
        (
            "Host or domain name not found. Name service error for name=example.invalid type=MX: "
            "Host not found",
            "domain-unknown",
        ),
        ("421 4.7.0 Error: too many connections from 192.0.2.1", "rate-limited"),
        ("452 4.5.3 Error: too many recipients", "rate-limited"),
        (
            "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using bl.example.net",
            "blocklisted",
        ),
        ("556 5.1.10 Recipient address has null MX", "domain-rejects-mail"),
        ("452 4.3.1 Insufficient system storage", "system-full"),
        ("550 5.7.1 Message rejected for policy reasons", "policy"),
    ],
)
def test_generic_text_any_mta_sends(text: str, category: str) -> None:
    assert top(text).rule.category == category


# --------------------------------------------------------------------------- traps and ordering


def test_traps_where_the_text_overrides_the_code() -> None:
    assert top("550 5.2.2 Submission quota exceeded").rule.category == "rate-limited"
    godaddy = top("550 5.1.1 <a@b.c> - 192.0.2.1 has sent to too many recipients this hour. IB607")
    assert godaddy.rule.category == "rate-limited"
    assert top("User over quota. (#5.1.1)").rule.category == "mailbox-full"
    resolver = top("554 5.7.1 blocked using zen.spamhaus.org; Error: open resolver")
    assert (resolver.rule.category, resolver.rule.party) == ("system-error", "receiving-site")
    assert top("554 5.7.9 Message not accepted for policy reasons.").rule.category == (
        "authentication"
    )


def test_matches_are_sorted_by_priority_then_length() -> None:
    found = kb.match_rules(
        "550 5.1.1 <x@example.com>: Recipient address rejected: User unknown in local "
        "recipient table; mailbox unavailable"
    )
    keys = [(-m.rule.priority, -len(m.matched)) for m in found]
    assert keys == sorted(keys) and len(found) >= 3
    assert found[0].rule.id == "postfix-user-unknown-table"


def test_matching_is_case_insensitive() -> None:
    assert top("550 USER UNKNOWN").rule.id == top("550 user unknown").rule.id


def test_no_rule_matches_plain_prose() -> None:
    assert kb.match_rules("") == []
    assert kb.match_rules("hello world") == []


def test_normalize_text_joins_multiline_replies() -> None:
    text = "550-5.7.25 The IP address sending this message does not have a\n550-5.7.25 PTR record"
    assert kb.normalize_text(text) == (
        "550-5.7.25 The IP address sending this message does not have a PTR record"
    )
    # Only the prefix of a continuation line goes, not a code later in the line.
    assert kb.normalize_text("550-first\nsecond 550 third") == "550-first second 550 third"
    flattened = "fails to pass 550-5.7.1 authentication checks"
    assert kb.normalize_text(flattened) == "fails to pass authentication checks"
    assert kb.normalize_text("  550   5.1.1\tuser  unknown ") == "550 5.1.1 user unknown"


# --------------------------------------------------------------------------- vendor codes


def test_vendor_code_rows_follow_the_schema() -> None:
    rows = raw_csv("vendor-codes.csv")
    assert list(rows[0]) == [
        "code", "provider", "meaning", "category", "advice", "source", "checked", "confidence",
    ]  # fmt: skip
    for row in rows:
        assert re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}(-[245]\.\d{1,3}\.\d{1,3})?", row["code"])
        assert row["provider"] in kb.providers() and row["category"] in kb.CATEGORY_IDS
        assert row["meaning"] and row["advice"] and row["source"] and DATE.match(row["checked"])


@pytest.mark.parametrize(
    ("code", "provider", "category"),
    [
        ("5.1.10", "microsoft365", "user-unknown"),
        ("5.7.12", "microsoft365", "recipient-filtered"),
        ("5.7.13", "microsoft365", "recipient-filtered"),
        ("4.7.26", "microsoft365", "authentication"),
        ("5.7.708", "microsoft365", "reputation"),
        ("4.7.650", "outlook-com", "reputation"),
        ("5.7.515", "outlook-com", "authentication"),
        ("5.7.503", "microsoft365", "sender-rejected"),
        ("5.7.620", "microsoft365", "blocklisted"),
        ("5.7.9", "yahoo", "authentication"),
    ],
)
def test_vendor_codes(code: str, provider: str, category: str) -> None:
    found = kb.vendor_codes(code)
    assert found and (found[0].provider, found[0].category) == (provider, category)


def test_vendor_ranges_respect_the_class_and_exact_codes_come_first() -> None:
    # 5.7.606-5.7.649 is for class 5 only; 4.7.620 falls in the 4.7.500-4.7.699 throttling range
    assert [v.code for v in kb.vendor_codes("4.7.620")] == ["4.7.500-4.7.699"]
    assert [v.code for v in kb.vendor_codes("4.7.650")] == ["4.7.650", "4.7.500-4.7.699"]
    assert kb.vendor_codes("5.7.1") == []
    assert kb.vendor_codes("X.7.708") == [] and kb.vendor_codes("550") == []


# --------------------------------------------------------------------------- laziness


def test_import_loads_nothing() -> None:
    code = (
        "import sys\n"
        "from smtpcodes import kb\n"
        "assert kb.rules.cache_info().currsize == 0\n"
        "assert kb.categories.cache_info().currsize == 0\n"
        "assert not kb.patterns_compiled()\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('click', 'rich')]\n"
        "kb.vendor_codes('5.7.708')\n"
        "assert not kb.patterns_compiled()\n"
        "kb.match_rules('550 user unknown')\n"
        "assert kb.patterns_compiled()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------- the corpus


def test_agreement_with_sisimai_on_the_corpus() -> None:
    labels = CORPUS / "labels.jsonl"
    if not labels.is_file():
        pytest.skip("shared corpus not present")
    rows = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r["duplicate_of"] is None and r["diagnosticcode"]]
    matched = agree = 0
    for row in rows:
        found = kb.match_rules(row["diagnosticcode"])
        if found:
            matched += 1
            agree += row["reason"] in kb.category(found[0].rule.category).sisimai
    # Sisimai also uses the SMTP command and the DSN action (user unknown after DATA is
    # 'filtered', a final network failure 'expired'), which text alone cannot see.
    assert matched / len(rows) > 0.85
    assert agree / matched > 0.72


def test_objects_serialise_to_json() -> None:
    rule = kb.rules()[0]
    assert json.loads(json.dumps(rule.to_json())) == {
        **json.loads((DATA / "rules.jsonl").read_text(encoding="utf-8").splitlines()[0]),
        "party": rule.party or None,
    }
    assert json.dumps(kb.category("virus").to_json())
    assert json.dumps(kb.provider("gmail").to_json())
    assert json.dumps(kb.vendor_codes("5.7.708")[0].to_json())
    assert top("550 user unknown").to_json()["matched"] == "user unknown"


# --------------------------------------------------------------------------- pattern index


# The cached functions themselves, taken before any test replaces one of them.
_PATTERN_CACHES = (
    kb._pattern_index,
    kb._analyse,
    kb._requirements,
    kb.rules,
    kb._matcher,
    kb._matches,
)


def _clear_pattern_caches() -> None:
    for cached in _PATTERN_CACHES:
        cached.cache_clear()


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    _clear_pattern_caches()
    yield
    _clear_pattern_caches()


def test_pattern_index_is_fresh() -> None:
    current = (DATA / kb.PATTERN_INDEX).read_text(encoding="utf-8")
    assert current == kb.build_pattern_index(), (
        "data/rule-patterns.json is stale: python -m smtpcodes.kb data/rule-patterns.json"
    )


def test_without_the_index_every_pattern_is_analysed_and_matches_the_same(
    fresh_caches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [reply for _, reply, _, _ in EXAMPLES]
    with_index = [[(m.rule.id, m.matched) for m in kb.match_rules(t)] for t in texts]
    assert kb._pattern_index()  # the shipped index was used
    _clear_pattern_caches()
    analysed: list[str] = []
    fresh = kb._analyse_fresh

    def counted(pattern: str) -> frozenset[tuple[str, bool, bool]]:
        analysed.append(pattern)
        return fresh(pattern)

    monkeypatch.setattr(kb, "_pattern_index", dict)
    monkeypatch.setattr(kb, "_analyse_fresh", counted)
    without = [[(m.rule.id, m.matched) for m in kb.match_rules(t)] for t in texts]
    assert without == with_index
    assert len(set(analysed)) == sum(1 for r in kb.rules() if r.match_type == "regex")


def test_a_pattern_missing_from_the_index_is_still_checked(fresh_caches: None) -> None:
    # An edited pattern is not in the index: its safety is checked when the rules load.
    unsafe = "(a|aa){1,20}xyz user unknown"
    assert unsafe not in kb._pattern_index()
    with pytest.raises(kb._Unsafe):
        kb._analyse(unsafe)
    assert kb.check_pattern(unsafe) is not None


def test_the_typed_vocabulary_is_the_datas() -> None:
    # Verdict.category, .retry, .party and .confidence are Literal types (mypy catches a typo in
    # a caller's comparison); the data files must use exactly those words.
    import csv
    from typing import get_args

    from smtpcodes import diagnose

    data = Path(__file__).resolve().parents[1] / "data"  # the checkout's, as CI installs a copy
    with open(data / "categories.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(r["id"] for r in rows) == get_args(kb.CategoryId) == kb.CATEGORY_IDS
    assert {r["party"] for r in rows} - {""} <= set(get_args(kb.Party))
    assert {r["retry"] for r in rows} <= set(get_args(kb.Retry))
    with open(data / "code-categories.csv", encoding="utf-8", newline="") as f:
        assert {r["category"] for r in csv.DictReader(f)} <= set(kb.CATEGORY_IDS)
    assert get_args(diagnose.Bounce) == ("hard", "soft")
    assert kb.CONFIDENCES == get_args(kb.Confidence) == ("high", "medium", "low")
