"""Generate realistic synthetic mail logs (Postfix, Exim, Sendmail, Exchange) and Maildirs of bounces.

    python benchmarks/gen_logs.py log [--mta postfix|exim|sendmail|exchange|mixed]
                                      [--lines N | --size MB]
                                      [--failures 0.1] [--seed N] [-o FILE]
    python benchmarks/gen_logs.py maildir DIR [--messages N] [--seed N]

Logs: each message is received, queued, delivered to one to three recipients at mixed providers
(Gmail, Outlook, Yahoo, iCloud, GMX, Orange, ...) and removed, with the connection noise around it,
so most lines are not deliveries. --failures is the share of all lines that are failed or deferred
deliveries (default 0.1: one line in ten); the replies are the providers' real wordings, including
Gmail's multi-line replies flattened onto one line. The output is deterministic for a given seed.
"exchange" writes an Exchange 2019 message tracking log (MSGTRK*.LOG: a #Fields header, then
RECEIVE, AGENTINFO, SEND, FAIL and DEFER rows); "mixed" takes Postfix, Exim and Sendmail only.

Maildir: RFC 3464 delivery status notifications (Postfix style) for the same failures, in new/.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

HOSTNAME = "mail"
SENDER_DOMAIN = "example.org"
OUR_IP = "198.51.100.25"
NAMES: tuple[str, ...] = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
NAMES += ("ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "zoe")


@dataclass(frozen=True)
class Provider:
    domains: tuple[str, ...]
    mx: str
    ip: str
    ok: str  # the 250 reply
    failures: tuple[tuple[str, str, str], ...]  # (dsn, reply, smtp command)
    deferrals: tuple[tuple[str, str, str], ...]


def _gmail(code: str, enhanced: str, sentences: str, tail: str) -> str:
    # Gmail's multi-line replies as Postfix logs them: each line's "550-5.1.1 " prefix kept inline.
    words = sentences.split()
    lines = [" ".join(words[i : i + 9]) for i in range(0, len(words), 9)]
    parts = [f"{code}-{enhanced} {line}" for line in lines[:-1]]
    parts.append(f"{code} {enhanced} {lines[-1]} {tail} - gsmtp")
    return " ".join(parts)


GMAIL_ID = "{id}"  # filled per line: Gmail appends a session id to every reply

PROVIDERS = (
    Provider(
        ("gmail.com", "googlemail.com"),
        "gmail-smtp-in.l.google.com",
        "142.250.102.27",
        "250 2.0.0 OK  1763620000 {id} - gsmtp",
        (
            (
                "5.1.1",
                _gmail(
                    "550",
                    "5.1.1",
                    "The email account that you tried to reach does not exist. Please try "
                    "double-checking the recipient's email address for typos or unnecessary "
                    "spaces. For more information, go to",
                    "https://support.google.com/mail/?p=NoSuchUser {id}",
                ),
                "RCPT TO",
            ),
            (
                "5.7.26",
                _gmail(
                    "550",
                    "5.7.26",
                    "Unauthenticated email from example.org is not accepted due to domain's "
                    "DMARC policy. Please contact the administrator of example.org domain if "
                    "this was a legitimate mail. To learn about the DMARC initiative, go to",
                    "https://support.google.com/mail/?p=DmarcRejection {id}",
                ),
                "end of DATA",
            ),
            (
                "5.2.2",
                _gmail(
                    "552",
                    "5.2.2",
                    "The recipient's inbox is out of storage space. Please direct the recipient to",
                    "https://support.google.com/mail/?p=OverQuotaTemp {id}",
                ),
                "RCPT TO",
            ),
        ),
        (
            (
                "4.7.28",
                _gmail(
                    "421",
                    "4.7.28",
                    "Gmail has detected an unusual rate of unsolicited mail originating from "
                    "your IP address. To protect our users from spam, mail sent from your IP "
                    "address has been temporarily rate limited. For more information, go to",
                    "https://support.google.com/mail/?p=UnsolicitedRateLimitError {id}",
                ),
                "end of DATA",
            ),
            (
                "4.2.1",
                _gmail(
                    "450",
                    "4.2.1",
                    "The user you are trying to contact is receiving mail at a rate that "
                    "prevents additional messages from being delivered. For more information, "
                    "go to",
                    "https://support.google.com/mail/?p=ReceivingRatePerm {id}",
                ),
                "RCPT TO",
            ),
        ),
    ),
    Provider(
        ("outlook.com", "hotmail.com", "live.com"),
        "outlook-com.olc.protection.outlook.com",
        "52.101.68.5",
        "250 2.6.0 <{msgid}> [InternalId={num}, Hostname=AM0PR01MB1234.eurprd01.prod.outlook.com]"
        " 12345 bytes in 0.213, 56.012 KB/sec Queued mail for delivery",
        (
            (
                "5.5.0",
                "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302)"
                " [AM0PR01MB1234.eurprd01.prod.outlook.com 2026-11-20T06:25:02.123Z {num}]",
                "RCPT TO",
            ),
            (
                "5.7.1",
                f"550 5.7.1 Unfortunately, messages from [{OUR_IP}] weren't sent. Please contact"
                " your Internet service provider since part of their network is on our block list"
                " (S3150). You can also refer your provider to http://mail.live.com/mail/"
                "troubleshooting.aspx#errors. [AM0PR01MB1234.eurprd01.prod.outlook.com {num}]",
                "MAIL FROM",
            ),
        ),
        (
            (
                "4.7.650",
                f"451 4.7.650 The mail server [{OUR_IP}] has been temporarily rate limited due to"
                " IP reputation. For e-mail delivery information, see https://aka.ms/postmaster"
                " (S775)"
                " [AM0PR01MB1234.eurprd01.prod.outlook.com {num}]",
                "RCPT TO",
            ),
        ),
    ),
    Provider(
        ("yahoo.com", "aol.com", "ymail.com"),
        "mta6.am0.yahoodns.net",
        "67.195.204.74",
        "250 ok dirdel",
        (
            (
                "5.0.0",
                "554 delivery error: dd This user doesn't have a yahoo.com account ({rcpt}) [0]"
                " - mta{num3}.mail.bf1.yahoo.com",
                "end of DATA",
            ),
        ),
        (
            (
                "4.7.0",
                f"421 4.7.0 [TSS04] Messages from {OUR_IP} temporarily deferred due to unexpected"
                " volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/"
                "error-codes",
                "MAIL FROM",
            ),
        ),
    ),
    Provider(
        ("icloud.com", "me.com", "mac.com"),
        "mx01.mail.icloud.com",
        "17.57.155.34",
        "250 2.0.0 Ok: queued as {qid}",
        (
            ("5.1.1", "550 5.1.1 <{rcpt}>: user does not exist", "RCPT TO"),
            (
                "5.7.1",
                "554 5.7.1 [CS01] Message rejected due to local policy. Please visit"
                " https://support.apple.com/en-us/HT204137",
                "end of DATA",
            ),
        ),
        (
            (
                "4.7.1",
                "450 4.7.1 [HM08] Message temporarily deferred due to unresolvable RFC5321"
                " from domain. Please visit https://support.apple.com/en-us/HT204137",
                "MAIL FROM",
            ),
        ),
    ),
    Provider(
        ("gmx.de", "gmx.net", "web.de"),
        "mx00.emig.gmx.net",
        "212.227.15.9",
        "250 Requested mail action okay, completed: id={id}",
        (
            ("5.0.0", "550 Requested action not taken: mailbox unavailable", "RCPT TO"),
            (
                "5.0.0",
                f"554-gmx.net (mxgmx017) Nemesis ESMTP Service not available 554-No SMTP service"
                f" 554-IP address is block listed. 554 For explanation visit"
                f" https://postmaster.gmx.net/en/case?c=r0301&i=ip&v={OUR_IP}&r={{id}}",
                "connect",
            ),
        ),
        (("4.0.0", "421 Service not available, closing transmission channel", "RCPT TO"),),
    ),
    Provider(
        ("orange.fr", "wanadoo.fr"),
        "smtp-in.orange.fr",
        "80.12.242.15",
        "250 2.0.0 {id} mail accepted for delivery",
        (("5.1.1", "550 5.1.1 <{rcpt}>: Adresse d au moins un destinataire invalide", "RCPT TO"),),
        (
            (
                "4.0.0",
                "421 mwinf5c11 ME Trop de connexions, veuillez verifier votre configuration."
                " Too many connections, slow down. OFR005_104 [104]",
                "connect",
            ),
        ),
    ),
    Provider(
        ("example.com", "example.net", "corp.example"),
        "mx.example.com",
        "192.0.2.20",
        "250 2.0.0 Ok: queued as {qid}",
        (
            ("5.1.1", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown", "RCPT TO"),
            ("5.2.2", "552 5.2.2 <{rcpt}>: Mailbox full", "RCPT TO"),
            ("5.3.4", "552 5.3.4 Message size exceeds fixed limit", "end of DATA"),
        ),
        (
            ("4.2.0", "450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted", "RCPT TO"),
            ("4.3.0", "451 4.3.0 Temporary system problem, try again later", "end of DATA"),
        ),
    ),
)
WEIGHTS = (30, 20, 15, 8, 8, 6, 13)
ALPHABET = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxz"


class _Gen:
    def __init__(self, seed: int, failures: float) -> None:
        self.rng = random.Random(seed)
        self.seconds = 6 * 3600
        self.pid = 2100
        self.counter = 0
        # Deliveries per message average 1.6; noise lines per message are chosen so that failures
        # and deferrals are `failures` of all lines, with half of the deliveries failing.
        self.fail_share = 0.5
        noise = 1.6 * self.fail_share / max(failures, 0.001) - 1.6
        self.noise = max(noise, 0.0)

    def stamp(self) -> str:
        self.seconds += self.rng.randint(0, 2)
        s = self.seconds % 86400
        return f"Nov 20 {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"

    def iso(self) -> str:
        self.seconds += self.rng.randint(0, 2)
        s = self.seconds % 86400
        return f"2026-11-20 {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"

    def token(self, n: int) -> str:
        return "".join(self.rng.choice(ALPHABET) for _ in range(n))

    def fill(self, text: str, rcpt: str, qid: str) -> str:
        return (
            text.replace(
                "{id}", f"{self.token(13).lower()}-{self.token(8).lower()}si{self.token(6)}.42"
            )
            .replace("{num}", str(self.rng.randint(10**12, 10**13)))
            .replace("{num3}", str(self.rng.randint(100, 999)))
            .replace("{rcpt}", rcpt)
            .replace("{qid}", qid)
            .replace("{msgid}", f"{qid}@{SENDER_DOMAIN}")
        )

    def recipient(self) -> tuple[str, Provider]:
        provider = self.rng.choices(PROVIDERS, WEIGHTS)[0]
        name = f"{self.rng.choice(NAMES)}.{self.rng.randint(1, 99999)}"
        return f"{name}@{self.rng.choice(provider.domains)}", provider

    def outcome(self, provider: Provider) -> tuple[str, tuple[str, str, str] | None]:
        r = self.rng.random()
        if r >= self.fail_share:
            return "sent", None
        if r < self.fail_share * 0.6:
            return "bounced", self.rng.choice(provider.failures)
        return "deferred", self.rng.choice(provider.deferrals)

    def noise_count(self, base: int) -> int:
        extra = self.noise - base
        whole = int(extra)
        return max(0, whole + (1 if self.rng.random() < extra - whole else 0))

    # -- Postfix ---------------------------------------------------------------------------------

    def postfix(self) -> Iterator[str]:
        rng = self.rng
        self.pid += rng.randint(1, 9)
        pid = self.pid
        qid = "4Q" + self.token(11)
        client_ip = f"203.0.113.{rng.randint(1, 254)}"
        pre = f"{HOSTNAME} postfix"
        yield f"{self.stamp()} {pre}/smtpd[{pid}]: connect from app.{SENDER_DOMAIN}[{client_ip}]"
        yield f"{self.stamp()} {pre}/smtpd[{pid}]: {qid}: client=app.{SENDER_DOMAIN}[{client_ip}]"
        msgid = f"{self.token(16)}@{SENDER_DOMAIN}"
        yield f"{self.stamp()} {pre}/cleanup[{pid + 3}]: {qid}: message-id=<{msgid}>"
        n = rng.choice((1, 1, 1, 2, 3))
        size = rng.randint(2000, 90000)
        yield (
            f"{self.stamp()} {pre}/qmgr[977]: {qid}: from=<news@{SENDER_DOMAIN}>, size={size},"
            f" nrcpt={n} (queue active)"
        )
        yield (
            f"{self.stamp()} {pre}/smtpd[{pid}]: disconnect from app.{SENDER_DOMAIN}[{client_ip}]"
            f" ehlo=1 mail=1 rcpt={n} data=1 quit=1 commands={n + 4}"
        )
        for k in range(self.noise_count(6)):
            yield self._postfix_noise(pre, pid + k)
        any_deferred = False
        for _ in range(n):
            rcpt, provider = self.recipient()
            status, reply = self.outcome(provider)
            any_deferred |= status == "deferred"
            delays = (
                f"delay={rng.uniform(0.2, 9):.1f}, delays=0.05/0.01/{rng.uniform(0, 3):.2f}/0.4"
            )
            relay = f"relay={provider.mx}[{provider.ip}]:25"
            if reply is None:
                text = self.fill(provider.ok, rcpt, qid)
                yield (
                    f"{self.stamp()} {pre}/smtp[{pid + 5}]: {qid}: to=<{rcpt}>, {relay}, {delays},"
                    f" dsn=2.0.0, status=sent ({text})"
                )
                continue
            dsn, said, command = reply
            said = self.fill(said, rcpt, qid)
            if command == "connect":  # Postfix names no command for a refused greeting
                detail = f"host {provider.mx}[{provider.ip}] refused to talk to me: {said}"
            else:
                host = f"host {provider.mx}[{provider.ip}]"
                detail = f"{host} said: {said} (in reply to {command} command)"
            yield (
                f"{self.stamp()} {pre}/smtp[{pid + 5}]: {qid}: to=<{rcpt}>, {relay}, {delays},"
                f" dsn={dsn}, status={status} ({detail})"
            )
        if not any_deferred:
            yield f"{self.stamp()} {pre}/qmgr[977]: {qid}: removed"

    def _postfix_noise(self, pre: str, pid: int) -> str:
        rng = self.rng
        kind = rng.randrange(6)
        ip = f"192.0.2.{rng.randint(1, 254)}"
        if kind == 0:
            return f"{self.stamp()} {pre}/smtpd[{pid}]: connect from unknown[{ip}]"
        if kind == 1:
            return (
                f"{self.stamp()} {pre}/smtpd[{pid}]: lost connection after EHLO from unknown[{ip}]"
            )
        if kind == 2:
            return (
                f"{self.stamp()} {pre}/smtp[{pid}]: Trusted TLS connection established to"
                f" gmail-smtp-in.l.google.com[142.250.102.27]:25: TLSv1.3 with cipher"
                f" TLS_AES_256_GCM_SHA384 (256/256 bits)"
            )
        if kind == 3:
            return (
                f"{self.stamp()} {pre}/anvil[{pid}]: statistics: max connection rate 3/60s for"
                f" (smtp:{ip}) at {self.stamp()[7:]}"
            )
        if kind == 4:
            return f"{self.stamp()} {pre}/smtpd[{pid}]: warning: hostname {ip} does not resolve"
        return f"{self.stamp()} {pre}/smtpd[{pid}]: disconnect from unknown[{ip}] ehlo=1 quit=1"

    # -- Exim ------------------------------------------------------------------------------------

    def exim(self) -> Iterator[str]:
        rng = self.rng
        qid = f"1t{self.token(4)}-{self.token(6)}-{self.token(2)}"
        client_ip = f"203.0.113.{rng.randint(1, 254)}"
        yield (
            f"{self.iso()} {qid} <= news@{SENDER_DOMAIN} H=app.{SENDER_DOMAIN} [{client_ip}]"
            f" P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S={rng.randint(2000, 90000)}"
            f" id={self.token(16)}@{SENDER_DOMAIN}"
        )
        for _ in range(self.noise_count(2)):
            ip = f"192.0.2.{rng.randint(1, 254)}"
            yield rng.choice(
                (
                    f"{self.iso()} SMTP connection from [{ip}]:{rng.randint(1024, 65535)} (TCP/IP"
                    " connection count = 3)",
                    f"{self.iso()} SMTP connection from [{ip}] closed by QUIT",
                    f"{self.iso()} no host name found for IP address {ip}",
                    f"{self.iso()} Start queue run: pid={rng.randint(1000, 99999)}",
                )
            )
        n = rng.choice((1, 1, 1, 2, 3))
        for _ in range(n):
            rcpt, provider = self.recipient()
            status, reply = self.outcome(provider)
            host = f"H={provider.mx} [{provider.ip}]"
            if reply is None:
                text = self.fill(provider.ok, rcpt, qid)
                yield (
                    f"{self.iso()} {qid} => {rcpt} R=dnslookup T=remote_smtp {host}"
                    f' X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes K C="{text}"'
                )
                continue
            _, said, command = reply
            said = self.fill(said, rcpt, qid)
            after = "RCPT TO:<" + rcpt + ">" if command == "RCPT TO" else command
            if status == "bounced":
                yield (
                    f"{self.iso()} {qid} ** {rcpt} R=dnslookup T=remote_smtp {host}"
                    f" X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes: SMTP error from remote mail"
                    f" server after {after}: {said}"
                )
            else:
                yield (
                    f"{self.iso()} {qid} == {rcpt} R=dnslookup T=remote_smtp defer (-44) {host}:"
                    f" SMTP error from remote mail server after {after}: {said}"
                )
        yield f"{self.iso()} {qid} Completed"

    # -- Sendmail --------------------------------------------------------------------------------

    def sendmail(self) -> Iterator[str]:
        rng = self.rng
        self.pid += rng.randint(1, 9)
        pid = self.pid
        qid = f"4AKA{self.token(10)}"
        pre = f"{HOSTNAME} sm-mta[{pid}]"
        n = rng.choice((1, 1, 1, 2, 3))
        yield (
            f"{self.stamp()} {pre}: {qid}: from=<news@{SENDER_DOMAIN}>,"
            f" size={rng.randint(2000, 90000)}, class=0, nrcpts={n},"
            f" msgid=<{self.token(16)}@{SENDER_DOMAIN}>, proto=ESMTP,"
            f" daemon=MTA-v4, relay=app.{SENDER_DOMAIN} [203.0.113.{rng.randint(1, 254)}]"
        )
        for _ in range(self.noise_count(1)):
            ip = f"192.0.2.{rng.randint(1, 254)}"
            yield rng.choice(
                (
                    f"{self.stamp()} {pre}: STARTTLS=client, relay=gmail-smtp-in.l.google.com.,"
                    " version=TLSv1.3, verify=OK, cipher=TLS_AES_256_GCM_SHA384, bits=256/256",
                    f"{self.stamp()} {pre}: {qid}: [{ip}] did not issue MAIL/EXPN/VRFY/ETRN during"
                    " connection to MTA-v4",
                    f"{self.stamp()} {pre}: AUTH=server, relay=app.{SENDER_DOMAIN} [{ip}],"
                    " authid=news, mech=PLAIN, bits=0",
                )
            )
        for _ in range(n):
            rcpt, provider = self.recipient()
            status, reply = self.outcome(provider)
            head = (
                f"{self.stamp()} {pre}: {qid}: to=<{rcpt}>, delay=00:00:0{rng.randint(1, 9)},"
                f" xdelay=00:00:01, mailer=esmtp, pri={rng.randint(30000, 130000)},"
                f" relay={provider.mx}. [{provider.ip}]"
            )
            if reply is None:
                yield f"{head}, dsn=2.0.0, stat=Sent ({self.fill(provider.ok, rcpt, qid)})"
                continue
            dsn, said, _ = reply
            said = self.fill(said, rcpt, qid)
            if status == "bounced":
                stat = "User unknown" if dsn == "5.1.1" else "Service unavailable"
                yield f"{head}, dsn={dsn}, stat={stat}, reply={said}"
            else:
                yield f"{head}, dsn={dsn}, stat=Deferred: {said}"

    # -- Exchange --------------------------------------------------------------------------------

    def exchange(self) -> Iterator[str]:
        """One message in an Exchange 2019 message tracking log: its rows, one per event."""
        rng = self.rng
        self.counter += 1
        iid = str(73014444033 + self.counter)
        msgid = f"<{self.token(32).lower()}@{HOSTNAME}.{SENDER_DOMAIN}>"
        nid = f"{self.token(8).lower()}-{self.token(4).lower()}-08de-{self.token(12).lower()}"
        n = rng.choice((1, 1, 1, 2, 3))
        rcpts = [self.recipient() for _ in range(n)]
        to = ";".join(r for r, _ in rcpts)
        subject = rng.choice(("Your November statement", "Order confirmed, thank you", "News"))
        size = str(rng.randint(2000, 90000))
        client = f"203.0.113.{rng.randint(1, 254)}"

        def row(event: str, source: str, rcpt: str, status: str, **more: str) -> str:
            cells = {
                "source": source,
                "event-id": event,
                "internal-message-id": iid,
                "message-id": msgid,
                "network-message-id": nid,
                "recipient-address": rcpt,
                "recipient-status": status,
                "total-bytes": size,
                "recipient-count": str(n),
                "message-subject": subject,
                "sender-address": f"news@{SENDER_DOMAIN}",
                "return-path": f"news@{SENDER_DOMAIN}",
                "directionality": "Originating",
                "transport-traffic-type": "Email",
                "log-id": f"{self.token(8).lower()}-{self.token(4).lower()}",
                "schema-version": "15.02.1544.004",
                **more,
            }
            values = [
                self.exchange_stamp() if f == "date-time" else cells.get(f, "") for f in FIELDS
            ]
            return ",".join(f'"{v}"' if "," in v or '"' in v else v for v in values)

        yield row(
            "RECEIVE",
            "SMTP",
            to,
            ";".join("To" for _ in rcpts),
            **{
                "client-ip": client,
                "client-hostname": f"app.{SENDER_DOMAIN}",
                "server-ip": OUR_IP,
                "server-hostname": HOSTNAME,
                "connector-id": f"{HOSTNAME}\\Default Frontend {HOSTNAME}",
                "source-context": f"08DE{self.token(12)};2026-11-20T06:00:00.000Z;0",
            },
        )
        for _ in range(self.noise_count(1)):
            event = rng.choice(("AGENTINFO", "HAREDIRECT", "RESOLVE", "TRANSFER", "HARECEIVE"))
            source = {"AGENTINFO": "AGENT", "RESOLVE": "ROUTING", "TRANSFER": "ROUTING"}
            yield row(
                event,
                source.get(event, "SMTP"),
                to,
                "",
                **{"custom-data": "S:CompCost=|ETR=0;S:DeliveryPriority=Normal"},
            )
        for rcpt, provider in rcpts:
            status, reply = self.outcome(provider)
            remote = {"server-ip": provider.ip, "server-hostname": provider.mx}
            remote["connector-id"] = "Internet"
            if reply is None:
                yield row("SEND", "SMTP", rcpt, self.fill(provider.ok, rcpt, iid), **remote)
                continue
            _, said, _ = reply
            said = self.fill(said, rcpt, iid)
            if status == "bounced":
                yield row("FAIL", "SMTP", rcpt, said, **remote)
            else:
                record = f"[{{LRT=}};{{LED={said}}};{{FQDN={provider.mx}}};{{IP={provider.ip}}}]"
                yield row("DEFER", "SMTP", rcpt, record, **{"connector-id": "Internet"})

    def exchange_stamp(self) -> str:
        self.seconds += self.rng.randint(0, 2)
        s = self.seconds % 86400
        ms = self.rng.randint(0, 999)
        return f"2026-11-20T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{ms:03d}Z"


# The columns of an Exchange 2016/2019 message tracking log (Microsoft Learn, "Message tracking",
# "Fields in the message tracking log files"; checked 2026-11-23).
FIELDS_LINE = (
    "date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,"
    "source,event-id,internal-message-id,message-id,network-message-id,recipient-address,"
    "recipient-status,total-bytes,recipient-count,related-recipient-address,reference,"
    "message-subject,sender-address,return-path,message-info,directionality,tenant-id,"
    "original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version"
)
FIELDS = FIELDS_LINE.split(",")
EXCHANGE_HEADER = (
    "#Software: Microsoft Exchange Server",
    "#Version: 15.02.1544.004",
    "#Log-type: Message Tracking Log",
    "#Date: 2026-11-20T06:00:00.000Z",
    "#Fields: " + FIELDS_LINE,
)


def log_lines(mta: str = "postfix", failures: float = 0.1, seed: int = 1) -> Iterator[str]:
    """An endless stream of log lines; "mixed" takes each message from a random MTA."""
    gen = _Gen(seed, failures)
    if mta == "exchange":
        yield from EXCHANGE_HEADER
        while True:
            yield from gen.exchange()
    makers = {"postfix": gen.postfix, "exim": gen.exim, "sendmail": gen.sendmail}
    while True:
        name = gen.rng.choice(tuple(makers)) if mta == "mixed" else mta
        yield from makers[name]()


def write_log(
    out: IO[str],
    *,
    mta: str = "postfix",
    lines: int | None = None,
    size_mb: float | None = None,
    failures: float = 0.1,
    seed: int = 1,
) -> tuple[int, int]:
    """Write a log of `lines` lines or `size_mb` megabytes; (lines written, bytes written)."""
    limit_bytes = int(size_mb * 1_000_000) if size_mb is not None else None
    written = size = 0
    chunk: list[str] = []
    for line in log_lines(mta, failures, seed):
        chunk.append(line)
        written += 1
        size += len(line) + 1
        if len(chunk) >= 4096:
            out.write("\n".join(chunk) + "\n")
            chunk = []
        if lines is not None and written >= lines:
            break
        if limit_bytes is not None and size >= limit_bytes:
            break
    if chunk:
        out.write("\n".join(chunk) + "\n")
    return written, size


def is_failure(line: str) -> bool:
    """Whether a generated line is a failed or deferred delivery (to report the share)."""
    return (
        "status=bounced" in line
        or "status=deferred" in line
        or " ** " in line
        or " == " in line
        or ",FAIL," in line
        or ",DEFER," in line
        or ("stat=" in line and "stat=Sent" not in line)
    )


def write_maildir(folder: str, messages: int, seed: int = 1) -> int:
    """A Maildir (cur/, new/, tmp/) of RFC 3464 bounces for generated failures; the count."""
    gen = _Gen(seed, 0.5)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    for n in range(messages):
        rcpt, provider = gen.recipient()
        kind, reply = ("bounced", gen.rng.choice(provider.failures))
        if gen.rng.random() < 0.3:
            kind, reply = "deferred", gen.rng.choice(provider.deferrals)
        dsn, said, command = reply
        qid = "4Q" + gen.token(11)
        said = gen.fill(said, rcpt, qid)
        action = "failed" if kind == "bounced" else "delayed"
        status = dsn if dsn[0] in "45" else "5.0.0"
        boundary = f"{qid}.{n}/{HOSTNAME}.{SENDER_DOMAIN}"
        subject = "Undelivered Mail Returned to Sender"
        if action != "failed":
            subject = "Delayed Mail (still being retried)"
        body = (
            f"Return-Path: <>\n"
            f"Date: Fri, 20 Nov 2026 06:25:{n % 60:02d} +0000 (UTC)\n"
            f"From: MAILER-DAEMON@{HOSTNAME}.{SENDER_DOMAIN} (Mail Delivery System)\n"
            f"Subject: {subject}\n"
            f"To: news@{SENDER_DOMAIN}\n"
            f"Auto-Submitted: auto-replied\n"
            f"MIME-Version: 1.0\n"
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\n'
            f"Message-Id: <{gen.token(12)}@{HOSTNAME}.{SENDER_DOMAIN}>\n\n"
            f"This is a MIME-encapsulated message.\n\n"
            f"--{boundary}\nContent-Description: Notification\n"
            f"Content-Type: text/plain; charset=us-ascii\n\n"
            f"This is the mail system at host {HOSTNAME}.{SENDER_DOMAIN}.\n\n"
            f"I'm sorry to have to inform you that your message could not\n"
            f"be delivered to one or more recipients.\n\n"
            f"<{rcpt}>: host {provider.mx}[{provider.ip}] said: {said} (in reply to {command}"
            f" command)\n\n"
            f"--{boundary}\nContent-Description: Delivery report\n"
            f"Content-Type: message/delivery-status\n\n"
            f"Reporting-MTA: dns; {HOSTNAME}.{SENDER_DOMAIN}\nX-Postfix-Queue-ID: {qid}\n"
            f"Arrival-Date: Fri, 20 Nov 2026 06:20:00 +0000 (UTC)\n\n"
            f"Final-Recipient: rfc822; {rcpt}\nOriginal-Recipient: rfc822;{rcpt}\n"
            f"Action: {action}\nStatus: {status}\nRemote-MTA: dns; {provider.mx}\n"
            f"Diagnostic-Code: smtp; {said}\n\n"
            f"--{boundary}\nContent-Description: Undelivered Message Headers\n"
            f"Content-Type: text/rfc822-headers\n\n"
            f"From: news@{SENDER_DOMAIN}\nTo: {rcpt}\nSubject: November news\n"
            f"Message-ID: <{gen.token(16)}@{SENDER_DOMAIN}>\n\n"
            f"--{boundary}--\n"
        )
        name = f"17636{n:05d}.M{n}P{n}.{HOSTNAME}"
        with open(os.path.join(folder, "new", name), "w", encoding="utf-8") as f:
            f.write(body)
    return messages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="what", required=True)
    log = sub.add_parser("log", help="a mail log")
    log.add_argument(
        "--mta", choices=("postfix", "exim", "sendmail", "exchange", "mixed"), default="postfix"
    )
    size = log.add_mutually_exclusive_group()
    size.add_argument("--lines", type=int, help="number of lines (default 100000)")
    size.add_argument("--size", type=float, help="size in megabytes")
    log.add_argument("--failures", type=float, default=0.1, help="share of failure lines (0.1)")
    log.add_argument("--seed", type=int, default=1)
    log.add_argument("-o", "--output", help="file to write (default stdout)")
    box = sub.add_parser("maildir", help="a Maildir of bounces")
    box.add_argument("folder")
    box.add_argument("--messages", type=int, default=1000)
    box.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.what == "maildir":
        count = write_maildir(args.folder, args.messages, args.seed)
        sys.stderr.write(f"{count} bounces in {args.folder}\n")
        return 0
    lines = args.lines if args.lines is not None or args.size is not None else 100_000
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    try:
        written, nbytes = write_log(
            out,
            mta=args.mta,
            lines=lines,
            size_mb=args.size,
            failures=args.failures,
            seed=args.seed,
        )
    finally:
        if out is not sys.stdout:
            out.close()
    sys.stderr.write(f"{written} lines, {nbytes / 1e6:.1f} MB\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
