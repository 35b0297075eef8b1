"""Turn text into replies: pasted codes, reply lines, multi-line replies, NDR prose, mail-log lines.

What a server said is found here, never judged: the diagnosis works on the `Reply` objects made
here. Whole bounce emails (RFC 3464 DSNs and the rest) are read by `smtpcodes.bounce`, which shares
the helpers below. Every pattern is compiled on first use and runs in linear time: no nested
unbounded quantifiers, every gap bounded.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from smtpcodes import limits
from smtpcodes.codes import (
    CodeToken,
    enhanced_problem,
    find_codes,
    iter_codes,
    only_codes,
    reply_code_problem,
    require_str,
)

__all__ = [
    "KINDS",
    "Reply",
    "detect_kind",
    "parse_log_line",
    "parse_text",
]

KINDS = ("codes", "email", "log", "reply")


class Reply(NamedTuple):
    """What a server (or a bounce) said about one delivery, and where it was found."""

    text: str  # the reply text without its codes and continuation prefixes; "" for bare codes
    raw: str  # exactly the fragment it was found in (for evidence; may be the whole line)
    reply_code: str | None = None  # "550", as found
    enhanced_code: str | None = None  # "5.1.1" as found in the reply text (RFC 3463 syntax)
    lines: tuple[str, ...] = ()  # the raw lines of a multi-line reply (RFC 5321 section 4.2)
    origin: str = "text"  # how it was found: "codes", "reply", "multiline", "postfix", "dsn", ...
    remote_host: str | None = None
    remote_ip: str | None = None
    recipient: str | None = None
    smtp_command: str | None = None  # "RCPT TO", "DATA", "MAIL FROM", "EHLO", "connect", ...
    dsn_status: str | None = None  # the Status: field of a DSN, or Postfix/Sendmail dsn=
    dsn_action: str | None = None  # Action: failed, delayed, delivered, relayed, expanded
    diagnostic_type: str | None = None  # "smtp", "x-unix", ... from Diagnostic-Code
    message_kind: str | None = None  # for emails: "dsn", "bounce", "auto-reply", "feedback"
    feedback_type: str | None = None  # ARF Feedback-Type (abuse, auth-failure, ...)
    log_status: str | None = None  # postfix status=, exim flag ("**", "=="), sendmail class
    queue_id: str | None = None
    timestamp: str | None = None  # as written in the log line (or a DSN's Last-Attempt-Date)
    location: str | None = None  # filled by callers reading many inputs (file:line, mbox#n)
    reporting_mta: str | None = None  # a DSN's Reporting-MTA (the host that wrote the report)
    mta_category: str | None = None  # the reporting MTA's own class (X-PowerMTA-BounceCategory)
    # The bounce email's headers that header rules read (kb.header_names()): (lower-case name,
    # value) pairs, such as EZweb's ("x-spasign", "NG"); () for anything not an email.
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def has_code(self) -> bool:
        return self.reply_code is not None or self.enhanced_code is not None


def replace(reply: Reply, /, **changes: Any) -> Reply:
    """A copy of `reply` with some fields changed (Reply is a NamedTuple: cheap to define and copy)."""
    return reply._replace(**changes)


# --- patterns, compiled on first use ------------------------------------------------------------

# An address as bounces print it; bounded parts so a scan stays linear.
ADDR = (
    r"(?:\"[^\"\r\n<>@]{1,64}\"|[\w.!#$%&'*+/=?^`{|}~-]{1,64})"
    r"@[\w-]{1,63}(?:\.[\w-]{1,63}){0,10}"
)
_HOST = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,253}"
_IP = r"(?:IPv6:)?[0-9A-Fa-f:.]{3,45}"
_COMMANDS = r"RCPT TO|MAIL FROM|end of DATA|DATA|HELO|EHLO|LHLO|STARTTLS|AUTH|BDAT|RSET|QUIT"


class _Patterns:
    def __init__(self) -> None:
        i = re.IGNORECASE
        self.addr = re.compile(ADDR)
        # (words one of which the pattern needs, in lower case; the pattern)
        self.host: list[tuple[tuple[str, ...], re.Pattern[str]]] = [
            # Postfix "host mx[192.0.2.1] said:", Exim "host mx [192.0.2.1]:"
            (("host",), re.compile(rf"\bhost\s{{1,3}}({_HOST})\s{{0,2}}\[({_IP})\]", i)),
            (
                ("connect", "conversation"),
                re.compile(
                    rf"\b(?:connect to|lost connection with|conversation with|connection to)"
                    rf"\s{{1,3}}({_HOST})\s{{0,2}}\[({_IP})\]",
                    i,
                ),
            ),
            (
                ("remote server at",),
                re.compile(rf"\bRemote Server at\s{{1,3}}({_HOST})\s{{1,3}}\(({_IP})\)", i),
            ),
            (("while talking to",), re.compile(rf"\bwhile talking to\s{{1,3}}({_HOST}?)\.?:", i)),
            (
                ("remote-mta:",),
                re.compile(rf"\bRemote-MTA:\s{{0,5}}dns;\s{{0,5}}\[?({_HOST})\]?", i),
            ),
        ]
        # qmail names the remote host by address only.
        self.qmail_ip = re.compile(
            rf"(?:\bremote host ({_IP}) said|(?:^|\s)({_IP}) (?:does not like|failed after)"
            rf"|\bConnected to ({_IP}) but)",
            i,
        )
        self.qmail_ip_words = ("remote host", "does not like", "failed after", "connected to")
        # They run on lowered text. (literals one of which a pattern needs, the pattern): a pattern
        # runs only if one of its literals is there. The last two have no literal prefix for the
        # engine to skip ahead to (one starts with \b), and tried at every position they cost a few
        # microseconds on a log line; looking for their phrases first costs a tenth of that.
        cmd = _COMMANDS.lower()
        lapses = (
            "does not like recipient",
            "sender was rejected",
            "failed after i sent the message",
            "my name was rejected",
            "failed on data command",
        )
        connects = (
            "connect to",
            "initial server greeting",
            "connection timed out",
            "connection refused",
            "no route to host",
            "refused to talk to me",
            "but greeting failed",
        )
        self.commands: list[tuple[tuple[str, ...], re.Pattern[str]]] = [
            (("in reply to",), re.compile(rf"in reply to (?:pipelined )?({cmd}|end of data)\b")),
            (
                ("after ",),
                re.compile(
                    rf"after (?:pipelined )?({cmd}|rcpt(?= command)|mail(?= command)"
                    r"|initial connection|end of data)\b"
                ),
            ),
            (("while sending",), re.compile(rf"while sending ({cmd}|message body|end of data)\b")),
            (("most progress",), re.compile(rf"most progress was ({cmd})\b")),
            ((">>>",), re.compile(rf">>>\s{{0,3}}({cmd})\b")),
            (("in:",), re.compile(rf"\bin:\s{{1,3}}({cmd})\b")),
            # DragonFly "did not like our RCPT TO:", Exim "after RCPT command", InterScan
            # "Sent <<< RCPT TO:", SendGrid "... User Unknown in RCPT TO", "SMTP:RCPT host",
            # "[RCPT_TO]", "(Error following RCPT command)".
            (("did not like our",), re.compile(rf"did not like our (?:final )?({cmd})\b")),
            (("sent <<<",), re.compile(rf"sent\s{{0,3}}<<<\s{{0,3}}({cmd})\b")),
            (("in rcpt to",), re.compile(r"\bin (rcpt to)\b")),
            (("in mail from",), re.compile(r"\bin (mail from)\b")),
            (("smtp:",), re.compile(r"\bsmtp:(rcpt|mail|data|ehlo|helo)\b")),
            (("[rcpt_to]",), re.compile(r"\[(rcpt_to)\]")),
            (("[mail_from]",), re.compile(r"\[(mail_from)\]")),
            (("error following",), re.compile(r"error following (rcpt|mail|data|ehlo|helo)\b")),
            (("accept your message (",), re.compile(r"accept your message \((rcpt|mail|data)\)")),
            # Gmail's older notices end the remote reply with the session state it failed in.
            (("(state ",), re.compile(r"\(state (6|8|9|12|13|14|15|17|18)\)")),
            (lapses, re.compile("(" + "|".join(map(re.escape, lapses)) + ")")),
            (connects, re.compile(r"\b(" + "|".join(map(re.escape, connects)) + ")")),
        ]
        # Starts with its literal "(" so the engine can skip ahead; see _in_reply_to().
        self.in_reply_to = re.compile(rf"\(in reply to ({_COMMANDS}|end of data)(?: command)?\)", i)
        self.recipient = re.compile(
            rf"(?:RCPT TO:\s{{0,3}}|\bto=)<?({ADDR})"
            rf"|^[ \t]{{0,40}}<?({ADDR})>?[ \t]{{0,3}}:?[ \t]{{0,3}}$"
            rf"|^[ \t]{{0,20}}<({ADDR})>:",
            re.IGNORECASE | re.MULTILINE,
        )
        self.bare_address = re.compile(rf"<?{ADDR}>?[ \t:,.]{{0,5}}")
        self.nested = re.compile(rf"<?{ADDR}>?\.\.\.\s{{0,3}}([2-5][0-9][0-9])\s")
        # qmail's own notes after the remote reply
        self.qmail_trailer = re.compile(
            r"\s(?:Giving up on \S{1,300}|I'm not going to try again;|\(?Other MXes tried)"
        )
        self.qmail_code = re.compile(r"\s{0,3}\(#([245]\.[0-9]{1,3}\.[0-9]{1,3})\)")
        self.cue_word = re.compile(
            r"(?:said|was|returned|reason|response|reply|error|status|diagnostic)\s{0,3}"
            r"[:=]?\s{0,3}['\"(\[]?\s{0,3}$",
            i,
        )
        self.origin_cues: list[tuple[re.Pattern[str], str]] = [
            (
                re.compile(r"Remote Server (?:at .{1,300}? )?returned|#[45][0-9][0-9] ", i),
                "exchange-ndr",
            ),
            (re.compile(r"The response (?:from the remote server )?was:", i), "gmail-ndr"),
            (re.compile(r"SMTP error from remote mail server", i), "exim"),
            (re.compile(rf"\bhost {_HOST}\[{_IP}\] said:", i), "postfix"),
            (re.compile(r"<<< |while talking to |\.\.\. ", i), "sendmail"),
            (re.compile(r"\(#[245]\.[0-9]{1,3}\.[0-9]{1,3}\)|Remote host said:"), "qmail"),
            (re.compile(r"Diagnostic-Code:", i), "dsn"),
        ]
        # Lines that start a reply: "550 ...", "550-...", "<<< 550 ...", "> 550 ...", "5.1.1 ...".
        self.reply_line = re.compile(
            r"[ \t]{0,20}(?:<<<[ \t]{0,3}|>[ \t]{1,3}|#|Out:[ \t]{1,3})?"
            r"([2-5][0-9][0-9])([- ]|:[ \t]|$)"
        )
        self.enhanced_line = re.compile(r"[ \t]{0,20}#?([245]\.[0-9]{1,3}\.[0-9]{1,3})(?:\s|$)")
        self.dsn_field = re.compile(
            r"(Final-Recipient|Original-Recipient|Action|Status|Diagnostic-Code|Remote-MTA"
            r"|Last-Attempt-Date|Reporting-MTA|X-Postfix-Queue-ID|Arrival-Date"
            r"|Received-From-MTA|Will-Retry-Until|X-Actual-Recipient|Original-Envelope-Id"
            r"|X-Display-Name)[ \t]{0,5}:[ \t]{0,5}(.{0,4000})",
            i,
        )
        self.header = re.compile(r"[!-9;-~]{1,76}:")
        # A DSN field; some MTAs (Mimecast) put spaces before the colon, as RFC 5322 section
        # 4.5's obsolete syntax allows.
        self.dsn_header = re.compile(r"[!-9;-~]{1,76}[ \t]{0,8}:")
        # An mbox's "From_" line: the envelope sender (never ending in ":", unlike a pasted
        # "From mx.example.com: 421 ..."; writers that leave it empty leave two spaces) and the
        # date, of which the time of day or the year is the sure part.
        self.mbox_from = re.compile(
            r"From[ \t]{1,3}[^\s:]\S{0,300}(?<!:)[ \t]+[^\n]{0,200}?"
            r"(?:\b\d{1,2}:\d\d|\b(?:19|20)\d\d\b)"
        )
        # Log prefixes: "Nov 20 10:00:01 host prog[pid]:", RFC 5424 / ISO 8601 stamps.
        self.log_stamp = re.compile(
            r"(?:[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}"
            r"|[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}"
            r"(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)"
        )
        # Postfix: "4Bxyz: to=<a@b>, relay=mx[192.0.2.1]:25, dsn=5.1.1, status=bounced (...)"
        self.pf_queue = re.compile(r"\]: ([0-9A-Za-z]{5,20}): ")
        # Log fields ("to=", "relay=", ...) start with their name and are found with _field(),
        # which stands for a leading \b.
        self.pf_to = _field_pattern(r"to=<([^<>\s]{0,320})>")
        self.pf_relay = _field_pattern(rf"relay=({_HOST})(?:\[({_IP})\])?")
        self.pf_dsn = _field_pattern(r"dsn=([245]\.[0-9]{1,3}\.[0-9]{1,3})\b")
        # "status=expired, returned to sender (connect to ...)": the reason follows the comment.
        self.pf_status = _field_pattern(
            r"status=([a-z]{1,20})(?:, returned to sender)?(?: \((.{0,8000})\))?"
        )
        self.pf_reject = re.compile(
            r"\b(?:NOQUEUE|[0-9A-Za-z]{5,20}): (?:milter-)?reject: ([A-Z]{2,10}) from "
            rf"({_HOST})\[({_IP})\](?::[0-9]{{1,5}})?: (.{{0,4000}})"
        )
        # Exim main log: "2026-11-20 10:00:01 [pid] 1abcDE-000123-AB ** a@b <p@q> R=r T=t ...: text"
        self.exim = re.compile(
            r"([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{3})?"
            r"(?: [+-][0-9]{4})?) (?:\[[0-9]{1,10}\] )?"
            r"([0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}) (\*\*|==|=>|->|\*>) "
            r"(\S{1,320})(.{0,8000})"
        )
        self.exim_host = _field_pattern(rf"H=({_HOST})(?: \[({_IP})\])?")
        self.exim_defer = re.compile(r" defer \((-?[0-9]{1,5})\)")
        # Like the fields above, C=, reply=, "with " and "delivery " are found with _field().
        self.exim_confirm = _field_pattern(r'C="(.{0,4000}?)"(?:\s|$)')
        # Sendmail: "4AKA01xx012345: to=<a@b>, ..., relay=mx. [192.0.2.1], dsn=5.1.1, stat=..."
        self.sm_to = _field_pattern(r"to=<?([^<>,\s]{1,320})>?")
        self.sm_relay = _field_pattern(rf"relay=\[?({_HOST})\]?(?: \[({_IP})\])?")
        self.sm_stat = _field_pattern(r"stat=(.{0,8000})")
        self.sm_reply = _field_pattern(r"reply=(.{0,4000}?)(?:, [a-z]{2,10}=|$)")
        self.sm_with = _field_pattern(rf"with ({_HOST}?)\.?(?:$|\s)")
        # qmail-send: "delivery 42: failure: ..."
        self.qmail_delivery = _field_pattern(
            r"delivery (\d{1,12}): (failure|deferral|success): (.{0,8000})"
        )
        self.sm_queue = re.compile(r"\]: ([0-9A-Za-z]{8,20}): ")


@functools.cache
def _p() -> _Patterns:
    return _Patterns()


def _field(pattern: re.Pattern[str], name: str, line: str) -> re.Match[str] | None:
    """The first match of `pattern` (made by _field_pattern() from a pattern starting with `name`,
    as "status=") where `name` starts a word: what searching r"\b" + pattern finds. str.find skips
    ahead in C; a pattern that starts with \b gives the regex engine no literal to skip to, so it
    tries every position of the line.
    """
    at = line.find(name)
    while at >= 0:
        m = pattern.match(line, at)  # its (?<!\w) sees the character before `at`
        if m is not None:
            return m
        at = line.find(name, at + 1)
    return None


def _field_pattern(pattern: str) -> re.Pattern[str]:
    """A log field's pattern for _field(): the test that the name starts a word is the pattern's
    own look-behind, no word character before it (a name starts with a word character, so that
    is a word boundary there); made in Python, the test cost as much as the match."""
    return re.compile(r"(?<!\w)" + pattern)


def _in_reply_to(text: str) -> tuple[int, int, str | None] | None:
    """Where Postfix's "(in reply to RCPT TO command)" is, with up to three spaces before it, and
    the command it names."""
    # The phrase as Postfix writes it is found without lowering the whole text.
    if "(in reply to " not in text and "(in reply to " not in text.lower():
        return None
    m = _p().in_reply_to.search(text)
    if m is None:
        return None
    start = m.start()
    # Back over up to three spaces (str.isspace() is what rstrip() strips).
    floor = max(0, start - 3)
    while start > floor and text[start - 1].isspace():
        start -= 1
    # A letter outside ASCII that matched by case (the long s) is left to find_command's reading.
    command = _COMMAND_NAMES.get(m.group(1).lower()) or find_command(m.group(0))
    return start, m.end(), command


# --- small helpers shared with bounce.py --------------------------------------------------------


def _any_in(words: tuple[str, ...], text: str) -> bool:
    """Whether one of `words` is in `text`. A plain loop: any() over a generator costs twice as
    much, and a line is tested for some fifty words."""
    for word in words:  # noqa: SIM110 - the loop is the point, see above
        if word in text:
            return True
    return False


def squash(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends."""
    # Most fragments are already squashed, and testing that costs a third of splitting and
    # joining them. Every character str.split() splits on but the space is unprintable
    # (a control character or a Unicode separator), so printable text with no double space and
    # no space at either end is its own squashed form.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def clean_address(value: str) -> str | None:
    """The first address in a DSN address field ("rfc822; <a@b>") or free text, or None."""
    m = _p().addr.search(value)
    if m is None:
        return None
    return m.group(0).strip(".")


@functools.lru_cache(maxsize=1024)
def valid_enhanced(code: str | None) -> str | None:
    if code is None or enhanced_problem(code) is not None:
        return None
    return code


def _valid_reply(code: str | None) -> bool:
    return code is not None and reply_code_problem(code) is None


def _is_ip(text: str) -> bool:
    return ("." in text or ":" in text) and all(c in "0123456789abcdefABCDEF:.v6IP" for c in text)


_HOST_HINTS = (
    "host",
    "connect",
    "conversation",
    "talking",
    "remote",
    "does not like",
    "failed after",
)


def find_host(text: str, last: bool = False) -> tuple[str | None, str | None]:
    """The remote host name and address a fragment names, e.g. "host mx[192.0.2.1] said".

    With `last`, the last one named wins: in a transcript the host nearest the reply is its own.
    """
    # What a log line says before the reply ("host mx[192.0.2.1] said:") is the same for every
    # line that host answered: short fragments are read once.
    if len(text) <= 300:
        return _find_host_cached(text, last)
    return _find_host(text, last)


@functools.lru_cache(maxsize=1024)
def _find_host_cached(text: str, last: bool) -> tuple[str | None, str | None]:
    return _find_host(text, last)


def _find_host(text: str, last: bool) -> tuple[str | None, str | None]:
    low = text.lower()
    if not _any_in(_HOST_HINTS, low):
        return None, None
    p = _p()
    # A pattern runs only when one of its words is there; the patterns ignore case, and outside
    # ASCII a letter can match another's case (the long s, the Kelvin sign), so there all run.
    ascii = text.isascii()
    best: re.Match[str] | None = None
    for words, pattern in p.host:
        if ascii and not _any_in(words, low):
            continue
        if last:
            for m in pattern.finditer(text):
                if best is None or m.start() > best.start():
                    best = m
        else:
            best = pattern.search(text)
            if best is not None:
                break
    if best is not None:
        host = best.group(1).rstrip(".")
        ip = best.group(2) if best.re.groups >= 2 else None
        if ip is not None and ip.startswith("IPv6:"):
            ip = ip[5:]
        if _is_ip(host):
            return None, host
        if host.lower() in ("unknown", "none"):
            return None, ip
        return host or None, ip
    qmail: re.Match[str] | None = None
    if ascii and not _any_in(p.qmail_ip_words, low):
        return None, None
    for found in p.qmail_ip.finditer(text):
        qmail = found
        if not last:
            break
    if qmail is not None:
        return None, qmail.group(1) or qmail.group(2) or qmail.group(3)
    return None, None


_COMMAND_NAMES = {
    "rcpt to": "RCPT TO",
    "mail from": "MAIL FROM",
    "data": "DATA",
    "end of data": "DATA",
    "message body": "DATA",
    "bdat": "DATA",
    "helo": "HELO",
    "ehlo": "EHLO",
    "lhlo": "LHLO",
    "starttls": "STARTTLS",
    "auth": "AUTH",
    "rset": "RSET",
    "quit": "QUIT",
    "initial connection": "connect",
    "rcpt": "RCPT TO",
    "mail": "MAIL FROM",
    "rcpt_to": "RCPT TO",
    "mail_from": "MAIL FROM",
    "does not like recipient": "RCPT TO",
    "sender was rejected": "MAIL FROM",
    "failed after i sent the message": "DATA",
    "failed on data command": "DATA",
    "my name was rejected": "EHLO",
    "connect to": "connect",
    "initial server greeting": "connect",
    "connection timed out": "connect",
    "connection refused": "connect",
    "no route to host": "connect",
    "refused to talk to me": "connect",  # Postfix: the server's greeting was a refusal
    "but greeting failed": "connect",  # qmail
    # Gmail's "(state N)": the SMTP state its client was in (p5-sisimai Lhost/Gmail.pm table).
    "6": "MAIL FROM",
    "8": "AUTH",
    "9": "AUTH",
    "12": "AUTH",
    "13": "EHLO",
    "14": "RCPT TO",
    "15": "DATA",
    "17": "DATA",
    "18": "DATA",
}


_COMMAND_HINTS = (
    "reply to",
    "after",
    "sending",
    "progress",
    ">>>",
    "in:",
    "recipient",
    "sender was",
    "my name",
    "failed on",
    "connect",
    "greeting",
    "timed out",
    "refused",
    "route",
    "like our",
    "<<<",
    "rcpt",
    "mail from",
    "smtp:",
    "following",
    "accept your",
    "(state ",
)


def find_command(text: str, last: bool = False) -> str | None:
    """The SMTP command a fragment says a reply answered: the first named, or the last one."""
    # What a log line says before the reply ("SMTP error from remote mail server after end of
    # DATA:", "host mx[192.0.2.1] said:") recurs all day, and looking for some twenty phrases in
    # it costs a few microseconds: short fragments are read once.
    if len(text) <= 300:
        return _find_command_cached(text, last)
    return _find_command(text, last)


@functools.lru_cache(maxsize=1024)
def _find_command_cached(text: str, last: bool) -> str | None:
    return _find_command(text, last)


def _find_command(text: str, last: bool) -> str | None:
    low = text.lower()
    if "\n" in low or "  " in low or "\t" in low:
        # Bounces wrap "(in reply to\n    RCPT TO command)" across lines.
        low = " ".join(low.split())
    if not _any_in(_COMMAND_HINTS, low):
        return None
    where = -1
    found: str | None = None
    for literals, pattern in _p().commands:
        for literal in literals:  # inline: a call per pattern would cost more than the test
            if literal in low:
                break
        else:
            continue
        matches = pattern.finditer(low) if last else [pattern.search(low)]
        for m in matches:
            if m is None:
                continue
            if found is None or (m.start() > where if last else m.start() < where):
                where = m.start()
                word = m.group(1)
                found = _COMMAND_NAMES.get(word, word.upper())
    return found


_ORIGIN_HINTS = (
    "remote server",
    "#",
    "response",
    "smtp error",
    "said",
    "<<<",
    "talking",
    "...",
    "(#",
    "diagnostic",
)


def _origin_of(text: str, default: str) -> str:
    low = text.lower()
    if not _any_in(_ORIGIN_HINTS, low):
        return default
    for pattern, origin in _p().origin_cues:
        if pattern.search(text) is not None:
            return origin
    return default


# --- one fragment, one reply --------------------------------------------------------------------


def _cued(text: str, token: CodeToken) -> bool:
    """Whether a reply code in prose really starts a reply ("... said: 550", "returned '550")."""
    if token.enhanced_code is not None and token.reply_code is not None:
        return True
    after = text[token.end : token.end + 2]
    follow = after[:1]
    before = text[max(0, token.start - 40) : token.start].rstrip()
    if not before:
        return follow in _AFTER_CODE or follow == ":"  # "550: User unknown" at the start
    if follow not in _AFTER_CODE:
        return False  # "SIZE=222:", "550.5": numbers, not replies
    if follow == "-" and not after[1:2].isdigit():
        return True  # "550-Text", "550-'text'": the shape of a reply line
    if before[-1] in ":;'\"(<[#>":
        return True
    return _p().cue_word.search(before) is not None


_AFTER_CODE = frozenset({"", " ", "\t", "-", ",", "'", '"', ")"})


def _pick_start(text: str, tokens: Iterator[CodeToken], seen: list[CodeToken]) -> CodeToken | None:
    """The first code that starts a reply; the codes read to find it are added to `seen`."""
    for token in tokens:
        seen.append(token)
        code = token.reply_code  # _valid_reply(), inline: most texts' first code starts them
        if code is not None and reply_code_problem(code) is None and _cued(text, token):
            return token
    return None


def _strip_prefixes(body: str, code: str, enhanced: str | None) -> str:
    """Remove continuation prefixes ("550-5.7.26 ", "550 5.7.26 ") from a flattened reply."""
    return _prefix_pattern(code, enhanced).sub("", body)


@functools.lru_cache(maxsize=256)
def _prefix_pattern(code: str, enhanced: str | None) -> re.Pattern[str]:
    enh = re.escape(enhanced) + r"\s" if enhanced else ""
    # The code at the start or after a space: the pattern starts with the code itself, a literal
    # the engine skips ahead to, and looks behind it for what must not precede it.
    return re.compile(rf"{code}(?<!\S{code})(?:-|\s)\s{{0,3}}(?:{enh})?")


def analyse(
    fragment: str,
    origin: str = "reply",
    raw: str | None = None,
    lines: tuple[str, ...] = (),
    context: str = "",
    light: bool = False,
) -> Reply:
    """Read one reply out of a fragment of text (a paragraph, a log entry, a Diagnostic-Code).

    `context` is text seen just before the fragment (a cue line such as "The response was:" or a
    transcript's "while talking to mx:"), searched for the host, the command and the origin only.
    With `light`, a fragment without any code is returned as plain text without further reading
    (bounce boilerplate); analyse it again if it turns out to be the best there is.
    """
    p = _p()
    flat = squash(fragment)
    # The codes are read as they are needed: the first is usually the reply's start and carries
    # its enhanced code, and then the rest of a long reply (Gmail's flattened lines) is never
    # scanned. Reading them all was a third of the time of a log line.
    tokens = iter_codes(flat)
    if light:
        first = next(tokens, None)
        if first is None:
            return Reply(
                text=flat, raw=fragment if raw is None else raw, lines=lines, origin="text"
            )
        tokens = itertools.chain((first,), tokens)
    seen: list[CodeToken] = []
    start = _pick_start(flat, tokens, seen)
    reply_code: str | None = None
    enhanced: str | None = None
    text = flat
    body_start = 0
    if start is not None:
        code = start.reply_code or ""
        reply_code = code
        enhanced = valid_enhanced(start.enhanced_code)
        body_start = start.start
        text = flat[start.end :].lstrip(" -:")
        flattened = flat[start.start + 3 : start.start + 4] == "-"
        if flattened or f" {code}-" in text:
            text = _strip_prefixes(text, code, enhanced)
        if text.startswith(code + " "):
            # "554 554 5.7.0 Header error": some reports repeat the code.
            text = text[4:]
        lead = _LEAD_ENHANCED.match(text)
        if lead is not None and (enhanced is None or lead.group(1) == enhanced):
            # "550: 5.1.1 <a@b>... User unknown": the enhanced code after some punctuation.
            enhanced = valid_enhanced(lead.group(1)) or enhanced
            text = text[lead.end() :]
        if enhanced is None:
            enhanced = _enhanced_after(tokens, start, reply_code)  # the codes after the start
        nested = p.nested.match(text) if start.enhanced_code is None else None
        if nested is not None and reply_code_problem(nested.group(1)) is None:
            # Sendmail V5 "554 <a@b>... 550 Host unknown": the inner code is what was said.
            reply_code = nested.group(1)
            text = text[: nested.start(1)] + text[nested.end(1) :].lstrip()
        opener = flat[:body_start].rstrip()[-1:]
        if opener in ("'", '"'):
            close = text.rfind(opener)
            if close >= 0:
                text = text[:close]
    else:
        enhanced = _first_enhanced(seen)  # _pick_start() read them all
    qm = p.qmail_code.search(text) if "(#" in text else None
    if qm is not None:
        if enhanced is None:
            enhanced = qm.group(1)
        text = text[: qm.start()] + text[qm.end() :]
    command = None
    ir = _in_reply_to(text)
    if ir is not None:
        start_ir, end_ir, command = ir
        text = text[:start_ir] + text[end_ir:]
    closer = text[-1:]
    if closer in (")", "]") and text.count(closer) > text.count(_OPENER[closer]):
        text = text[:-1]  # the report wrapped the reply: "(reason: 550 ...)", "[554 ...]"
    trailer = p.qmail_trailer.search(text) if _any_in(_QMAIL_TRAILERS, text) else None
    if trailer is not None:
        text = text[: trailer.start()]
    hashes = text.find(" ##")
    if hashes >= 0:
        text = text[:hashes]  # Exchange: "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##"
    text = text.strip()
    if start is None and enhanced is not None:
        # "5.1.1 User unknown": the code is the start, the rest is the text.
        lead = re.match(r"#?" + re.escape(enhanced) + r"[\s:;-]{1,3}", text)
        if lead is not None:
            text = text[lead.end() :]
    if context and start is not None and ": " in context:
        local = _local_agent(context)
        if local is not None:
            text = f"{local} {text}"
    where = context[-800:] + " " + flat[:body_start] if context else flat[:body_start]
    if command is None:
        command = (find_command(where, last=True) if where else None) or find_command(flat)
    host, ip = find_host(where, last=True) if where.strip() else (None, None)
    if host is None and ip is None:
        host, ip = find_host(flat)
    if start is None and enhanced is None and origin in ("reply", "bounce-body"):
        origin = "text"
    elif origin in ("reply", "bounce-body"):
        origin = _origin_of(where + " " + flat, origin)
    if start is not None:
        # The raw lines before the reply keep an address alone on its line visible.
        cut = fragment.find(start.text)
        before = fragment[:cut] if cut >= 0 else flat[:body_start]
        recipient = _recipient_in(context[-800:] + "\n" + before if context else before)
    else:
        recipient = _recipient_in(context[-800:] + "\n" + fragment if context else fragment)
    # Every field, in Reply's order, through tuple.__new__: NamedTuple's __new__ is a Python
    # function filling in defaults and costs twice as much (keywords four times as much).
    return _new_tuple(
        Reply,
        (
            text,
            fragment if raw is None else raw,
            reply_code,
            enhanced,
            lines,
            origin,
            host,  # remote_host
            ip,  # remote_ip
            recipient,
            command,  # smtp_command
            *_NO_DSN_FIELDS,
        ),
    )


_new_tuple = tuple.__new__
# The twelve fields after smtp_command: dsn_status ... mta_category, all None, and no headers.
_NO_DSN_FIELDS = (*(None,) * 11, ())


# Local delivery agents whose complaint sendmail's transcript prints just above its own reply.
_LOCAL_AGENTS = ("mail.local", "procmail", "maildrop", "dovecot-lda", "deliver", "cyrus", "local")


def _local_agent(context: str) -> str | None:
    """The local delivery agent's line ending a transcript ("mail.local: unknown user: x"): it
    says why sendmail's own reply ("554 <a@b>... Service unavailable") refused the mail."""
    last = context.rstrip().rpartition("\n")[2].strip()
    name, sep, rest = last.partition(": ")
    if sep and rest and name.lower() in _LOCAL_AGENTS:
        return squash(last)[:300]
    return None


_OPENER = {")": "(", "]": "["}
_QMAIL_TRAILERS = ("Giving up", "not going to try", "Other MXes")
_LEAD_ENHANCED = re.compile(r"([245]\.[0-9]{1,3}\.[0-9]{1,3})[ \t]{1,3}")


def _enhanced_after(
    tokens: Iterable[CodeToken], start: CodeToken, reply_code: str | None
) -> str | None:
    """The enhanced code a reply carries later on ("550 ... (#5.1.1)", "ERROR_CODE :5.1.1")."""
    fallback = None
    for token in tokens:
        if token.start <= start.start or token.enhanced_code is None:
            continue
        code = valid_enhanced(token.enhanced_code)
        if code is None:
            continue
        if reply_code is None or code[0] == reply_code[0]:
            return code
        fallback = fallback or code
    return fallback


def _first_enhanced(tokens: Sequence[CodeToken]) -> str | None:
    for token in tokens:
        code = valid_enhanced(token.enhanced_code)
        if code is not None:
            return code
    return None


def _recipient_in(text: str) -> str | None:
    """The last recipient named before a reply: "RCPT TO:<a@b>", "to=<a@b>", "<a@b>: ..." or an
    address alone on its line (Exim, Exchange)."""
    if "@" not in text:
        return None
    found = None
    for m in _p().recipient.finditer(text):
        found = m
    if found is None:
        return None
    address = found.group(1) or found.group(2) or found.group(3)
    return address.strip(".")


# --- detecting what was pasted ------------------------------------------------------------------

_EMAIL_MARKERS = frozenset(
    {
        "from",
        "received",
        "return-path",
        "content-type",
        "mime-version",
        "message-id",
        "delivered-to",
        "x-original-to",
        "subject",
        "date",
        "to",
    }
)


def mbox_from_line(start: str, complete: bool = True) -> bool:
    """Whether text starting with `start` is an mbox: its first line a "From_" line. When
    `start` is not `complete` and ends inside that line (the first bytes a pipe has given so
    far), the sender is enough."""
    if not start.startswith("From "):
        return False
    if not complete and "\n" not in start and len(start) < 300:
        sender = start[5:].split(None, 1)[0] if start[5:].strip() else ""
        return bool(sender) and not sender.endswith(":")
    return _p().mbox_from.match(start) is not None


def _looks_like_email(text: str) -> bool:
    p = _p()
    if mbox_from_line(text[:400]):
        return True
    markers = 0
    names = 0
    for line in text.split("\n", 60)[:60]:
        line = line.rstrip("\r")
        if not line:
            break
        if line[0] in " \t":
            if names == 0:
                return False
            continue
        m = p.header.match(line)
        if m is None:
            return False
        names += 1
        if line[: m.end() - 1].lower() in _EMAIL_MARKERS:
            markers += 1
    return (markers >= 1 and names >= 2) or markers >= 2


def _is_log_line(line: str) -> bool:
    if _p().log_stamp.match(line) is not None:
        return True
    return parse_log_line(line) is not None


def detect_kind(text: str) -> str:
    """What was pasted: "codes", "email", "log" or "reply" (replies and prose)."""
    stripped = text.lstrip()
    if not stripped:
        return "reply"
    # First, and with codes.py's one small pattern: a bare code must not pay for compiling the
    # email, log and reply patterns (start-up time of `smtpcodes explain 5.7.26`).
    if len(stripped) <= 400 and only_codes(stripped) is not None:
        return "codes"
    if _looks_like_email(stripped):
        return "email"
    first = stripped.split("\n", 1)[0].rstrip("\r")
    if _is_log_line(first):
        return "log"
    return "reply"


# --- parsing ------------------------------------------------------------------------------------


def parse_text(text: str, kind: str = "auto") -> list[Reply]:
    """Every reply in `text`; `kind` is one of KINDS or "auto" to detect it.

    Reads within the limits in force (smtpcodes.limits): lines up to max_line characters, at
    most max_items replies; what they cut is recorded.
    """
    require_str(text, "parse_text")
    if not text.strip():
        return []
    if kind == "auto":
        kind = detect_kind(text)
    if kind == "email":
        from smtpcodes.bounce import parse_message

        return parse_message(text)
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)} or auto")
    text = limits.cut_long_lines(text)
    if kind == "codes":
        replies = _parse_codes(text)
    elif kind == "log":
        replies = _parse_log(text)
    else:
        replies = parse_reply_text(text)
    return _at_most(replies)


def _at_most(replies: list[Reply]) -> list[Reply]:
    """The first max_items replies; the cut is recorded."""
    most = limits.current().max_items
    if len(replies) <= most:
        return replies
    limits.record(
        "max_items",
        f"more than {most:,} replies; only the first {most:,} were read (--max-items)",
    )
    return replies[:most]


def _parse_codes(text: str) -> list[Reply]:
    replies = []
    for token in find_codes(text, limits.current().max_items + 1):
        replies.append(
            Reply(
                text="",
                raw=token.text,
                reply_code=token.reply_code,
                enhanced_code=token.enhanced_code,
                origin="codes",
            )
        )
    return replies


def _parse_log(text: str) -> list[Reply]:
    replies = []
    most = limits.current().max_items
    for number, line in enumerate(text.splitlines(), start=1):
        reply = parse_log_line(line)
        if reply is not None:
            replies.append(reply._replace(location=f"line {number}"))
            if len(replies) > most:
                break  # _at_most() records the cut
    return replies


def parse_reply_text(text: str) -> list[Reply]:
    """Replies in prose, pasted replies and DSN fields; one code-less Reply if none has a code."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    field = _p().dsn_field
    if any(field.match(line) for line in lines if ":" in line):
        dsn = dsn_replies(lines)
        if dsn:
            return dsn
    units = scan_units(lines)
    coded = [r for r in units if r.has_code]
    if coded:
        return coded
    if not text.strip():
        return []
    best = next((r for r in units if r.remote_host or r.remote_ip or r.smtp_command), None)
    if best is not None:
        return [replace(best, text=squash(text), raw=text.strip())]
    return [Reply(text=squash(text), raw=text.strip(), origin="text")]


def scan_units(lines: Sequence[str], origin: str = "reply", light: bool = False) -> list[Reply]:
    """Split lines into units (reply lines, multi-line replies, prose paragraphs) and read each.

    A paragraph of prose just before a reply line is its context: it names the host and command
    ("while talking to mx:", ">>> RCPT TO:<a@b>") and how the reply was reported.
    """
    units: list[Reply] = []
    context = _Context()
    i = 0
    n = len(lines)
    most = limits.current().max_items
    while i < n:
        if len(units) >= most:
            limits.record(
                "max_items",
                f"stopped after {most:,} replies and paragraphs; the last {n - i:,} lines were "
                "not read (--max-items)",
            )
            break
        line = lines[i]
        if not line or line.isspace():
            if not context.empty:
                context = _Context()
            i += 1
            continue
        m = _reply_start(line)
        if m is not None:
            code = m.group(1)
            group = [line]
            if m.group(2) == "-":
                j = i + 1
                while j < n:
                    nxt = _reply_start(lines[j])
                    if nxt is None or nxt.group(1) != code:
                        break
                    group.append(lines[j])
                    j += 1
                    if nxt.group(2) != "-":
                        break
                i = j
            else:
                i += 1
                # A wrapped reply goes on in lines indented at least as deep that are no replies
                # or addresses themselves.
                depth = max(1, len(line) - len(line.lstrip(" \t")))
                while i < n and not lines[i].isspace() and _indent(lines[i]) >= depth:
                    nxt_line = lines[i].lstrip()
                    if _starts_unit(lines[i]) or nxt_line.startswith(_TRANSCRIPT):
                        break
                    if "@" in nxt_line and _p().bare_address.fullmatch(nxt_line):
                        break
                    group.append(lines[i])
                    i += 1
            units.append(_reply_from_group(group, code, context.text, origin))
            continue
        if _enhanced_start(line):
            units.append(analyse(line, origin, raw=line, context=context.text))
            context.add([line])
            i += 1
            continue
        # A prose paragraph: the lines up to the next blank line or reply line.
        para = [line]
        i += 1
        while i < n:
            nxt_line = lines[i]
            if not nxt_line or nxt_line.isspace() or _starts_unit(nxt_line):
                break
            para.append(nxt_line)
            i += 1
        joined = "\n".join(para)
        reply = analyse(joined, origin, raw=joined, context=context.text, light=light)
        units.append(reply)
        context.add(para)
    return units


_TRANSCRIPT = ("In:", "Out:", ">>>", "<<<")

# analyse() reads this much of the text before a fragment (context[-800:]).
_CONTEXT_CHARS = 800


class _Context:
    """The lines seen since the last blank line, joined, kept to the end that analyse() reads.

    Joining every line again for each unit made a text of many paragraphs without a blank line
    quadratic (minutes on a few megabytes).
    """

    __slots__ = ("empty", "text")

    def __init__(self) -> None:
        self.text = ""
        self.empty = True

    def add(self, lines: list[str]) -> None:
        joined = "\n".join(lines)
        self.text = (joined if self.empty else self.text + "\n" + joined)[-_CONTEXT_CHARS:]
        self.empty = False


# A reply line starts with a digit or a transcript marker; checking that first spares a regex call
# on nearly every line of a bounce.
_REPLY_FIRST = frozenset("2345<>#O")
_ENHANCED_FIRST = frozenset("245#")


def _reply_start(line: str) -> re.Match[str] | None:
    if line.lstrip(" \t")[:1] not in _REPLY_FIRST:
        return None
    m = _p().reply_line.match(line)
    if m is None or reply_code_problem(m.group(1)) is not None:
        return None
    return m


def _enhanced_start(line: str) -> bool:
    if line.lstrip(" \t")[:1] not in _ENHANCED_FIRST:
        return False
    return _p().enhanced_line.match(line) is not None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t")) if line.strip() else 0


def _starts_unit(line: str) -> bool:
    return _reply_start(line) is not None or _enhanced_start(line)


def _reply_from_group(group: list[str], code: str, context: str, origin: str) -> Reply:
    """One reply from its lines: "550-5.7.26 a" / "550 5.7.26 b" becomes text "a b"."""
    p = _p()
    head = _reply_start(group[0])
    first = group[0][head.start(1) :] if head is not None else group[0]
    raw = "\n".join(group)
    multiline = len(group) > 1 and head is not None and head.group(2) == "-"
    if not multiline:
        reply = analyse(raw, origin, raw=raw, context=context)
        if reply.reply_code is None:
            reply = replace(reply, reply_code=code)
        return reply
    texts = []
    enhanced: str | None = None
    for k, line in enumerate(group):
        m = p.reply_line.match(line)
        rest = line[m.end() :].strip() if m is not None else line.strip()
        em = p.enhanced_line.match(rest)
        if em is not None and (k == 0 or enhanced is None or em.group(1) == enhanced):
            if k == 0:
                enhanced = valid_enhanced(em.group(1))
            rest = rest[em.end() :].strip()
        texts.append(rest)
    # analyse() reads the context (host, command) and the enhanced code if the lines lack one.
    probe = analyse(first + " " + " ".join(texts[1:]), origin, context=context)
    return Reply(
        text=_tidy(" ".join(t for t in texts if t)),
        raw=raw,
        reply_code=code,
        enhanced_code=enhanced or probe.enhanced_code,
        lines=tuple(group),
        origin="multiline",
        remote_host=probe.remote_host,
        remote_ip=probe.remote_ip,
        recipient=probe.recipient,
        smtp_command=probe.smtp_command,
    )


def _tidy(text: str) -> str:
    ir = _in_reply_to(text)
    if ir is not None:
        text = text[: ir[0]] + text[ir[1] :]
    return squash(text)


# --- DSN fields (RFC 3464 section 2.3), pasted or inside a bounce -------------------------------


_RECIPIENT_FIELDS = frozenset({"final-recipient", "original-recipient"})
#: A Reply's diagnostic_type when its text is the comment of a DSN's Status field.
STATUS_COMMENT = "status-comment"


def _usable(address: str | None) -> bool:
    return address is not None and "." in address.rpartition("@")[2]


def _unitext(value: str) -> str:
    """An address field with RFC 6533's EmbeddedUnicodeChar ("\\x{00FC}") decoded (section 3)."""
    if "\\x{" not in value:
        return value

    def char(m: re.Match[str]) -> str:
        point = int(m.group(1), 16)
        return chr(point) if point <= 0x10FFFF and not 0xD800 <= point <= 0xDFFF else m.group(0)

    return re.sub(r"\\x\{([0-9A-Fa-f]{2,6})\}", char, value)


def dsn_recipient(fields: dict[str, str]) -> str | None:
    """Final-Recipient, or Original-Recipient when the final one is no usable address."""
    final = clean_address(_unitext(fields.get("final-recipient", "")).rpartition(":")[2])
    if _usable(final):
        return final
    original = clean_address(_unitext(fields.get("original-recipient", "")).rpartition(":")[2])
    if _usable(original):
        return original
    return final or original


def dsn_field_line() -> re.Pattern[str]:
    """The pattern of a DSN field line ("Status: 5.1.1", "Diagnostic-Code: smtp; ...")."""
    return _p().dsn_field


def dsn_groups(lines: Sequence[str]) -> list[list[tuple[str, str]]]:
    """Field groups of a delivery-status body: (name, unfolded value) pairs per blank-line block."""
    groups: list[list[tuple[str, str]]] = []
    # A value is kept as its folded pieces and joined once: adding each piece to the string made
    # a field folded over many lines quadratic.
    current: list[tuple[str, list[str]]] = []

    def close() -> None:
        groups.append([(name, " ".join(pieces)) for name, pieces in current])

    p = _p()
    for line in lines:
        if not line.strip():
            if current:
                close()
                current = []
            continue
        if line[0] in " \t" and current:
            current[-1][1].append(line.strip())
            continue
        m = p.dsn_header.match(line)
        if m is None:
            if current and current[-1][0] == "diagnostic-code":
                # Some MTAs write the rest of a multi-line reply without folding it.
                current[-1][1].append(line.strip())
            continue
        name = line[: m.end() - 1].strip().lower()
        if name in _RECIPIENT_FIELDS and any(n == name for n, _ in current):
            # Some MTAs run recipients together without the blank line RFC 3464 asks for.
            close()
            current = []
        current.append((name, [line[m.end() :].strip()]))
    if current:
        close()
    return groups


def reply_from_dsn(fields: dict[str, str], per_message: dict[str, str] | None = None) -> Reply:
    """One Reply from a per-recipient field group (RFC 3464 section 2.3)."""
    diag = fields.get("diagnostic-code", "")
    diag_type: str | None = None
    diag_text = diag
    if ";" in diag[:40]:
        head, _, rest = diag.partition(";")
        if head.strip() and " " not in head.strip():
            diag_type = head.strip().lower()
            diag_text = rest.strip()
    status = fields.get("status", "").strip()
    if not diag_text and "(" in status:
        # No Diagnostic-Code: the comment after the Status code is what the fields say of the
        # cause (RFC 3464 section 2.3.4; its appendix E: "4.0.0 (...: host name lookup failure)").
        # Typed as such, so that a reply the human-readable part quotes still takes its place.
        diag = status
        diag_text = status.partition("(")[2].rpartition(")")[0].strip()
        diag_type = STATUS_COMMENT
    reply = (
        analyse(diag_text, "dsn", raw=diag) if diag_text else Reply(text="", raw="", origin="dsn")
    )
    if reply.reply_code and not reply.text and not reply.enhanced_code and diag_type != "smtp":
        reply = replace(reply, reply_code=None, text=diag_text)  # "X-Unix; 255" is an exit status
    recipient = dsn_recipient(fields)
    # RFC 3464 section 2.3.4: a comment in parentheses may follow the code, with no space before.
    status_code = status.split()[0].partition("(")[0] if status else ""
    host, ip = reply.remote_host, reply.remote_ip
    mta = fields.get("remote-mta", "")
    if mta:
        value = mta.partition(";")[2].strip() if ";" in mta else mta.strip()
        value = value.strip("[]")
        name, _, rest = value.partition(" ")
        name = name.strip("[]").rstrip(".")
        inner = re.search(rf"[\[(]({_IP})[\]),]", rest)
        if _is_ip(name):
            ip = ip or name
        elif name:
            host = name
            if inner is not None:
                ip = inner.group(1)
    action = fields.get("action", "").strip().lower().split(" ")[0] or None
    reporting = (per_message or {}).get("reporting-mta", "")
    reporting = (reporting.partition(";")[2] if ";" in reporting else reporting).strip()
    return replace(
        reply,
        reporting_mta=reporting.split(" ")[0].strip("[]").rstrip(".") or None,
        mta_category=fields.get("x-powermta-bouncecategory", "").strip().lower() or None,
        origin="dsn",
        recipient=recipient,
        remote_host=host,
        remote_ip=ip,
        dsn_status=valid_enhanced(status_code),
        dsn_action=action,
        diagnostic_type=diag_type,
        timestamp=fields.get("last-attempt-date") or None,
        queue_id=(per_message or {}).get("x-postfix-queue-id") or None,
    )


def dsn_replies(lines: Sequence[str]) -> list[Reply]:
    """Replies for the per-recipient groups among DSN field groups."""
    replies = []
    per_message: dict[str, str] = {}
    for group in dsn_groups(lines):
        fields: dict[str, str] = {}
        for name, value in group:
            fields.setdefault(name, value)
        recipient = "final-recipient" in fields or "original-recipient" in fields
        if recipient or "status" in fields or "diagnostic-code" in fields:
            replies.append(reply_from_dsn(fields, per_message))
        else:
            per_message.update(fields)
    return replies


# --- mail-log lines -----------------------------------------------------------------------------


def parse_log_line(line: str) -> Reply | None:
    """A delivery (failure, deferral or success) in a Postfix, Exim, Sendmail or qmail log line."""
    if "status=" in line:
        return _postfix(line)
    if "stat=" in line:
        return _sendmail(line)
    if "reject: " in line:
        return _postfix_reject(line)
    # The first character first: most lines of a day's log are Postfix or Sendmail lines
    # (starting with the month), and then Exim's five flags are not looked for.
    if line[:1].isdigit() and (
        " ** " in line or " == " in line or " => " in line or " -> " in line or " *> " in line
    ):
        return _exim(line)
    if "delivery " in line and (": failure: " in line or ": deferral: " in line):
        return _qmail(line)
    return None


_QMAIL_STATUS = {"failure": "bounced", "deferral": "deferred", "success": "sent"}


def _qmail(line: str) -> Reply | None:
    """qmail-send: "@4000... delivery 42: failure: 192.0.2.1_does_not_like_recipient./Remote_host
    _said:_550_5.1.1_<a@b>..._User_unknown/Giving_up_on_192.0.2.1./": the text with "_" for each
    space and "/" for each line break (qmail-send.c)."""
    m = _field(_p().qmail_delivery, "delivery ", line)
    if m is None:
        return None
    detail = m.group(3).replace("_", " ").replace("/", "\n").strip()
    reply = analyse(detail, "qmail", raw=line) if detail else Reply(text="", raw=line)
    stamp = line.split(" ", 1)[0] if line.startswith("@") else _stamp(line)
    return _log_reply(
        reply,
        line,
        "qmail",
        None,
        reply.remote_host,
        reply.remote_ip,
        reply.smtp_command,
        None,
        _QMAIL_STATUS[m.group(2)],
        m.group(1),
        stamp,
    )


def _stamp(line: str) -> str | None:
    m = _p().log_stamp.match(line)
    return m.group(0) if m else None


def _analyse_detail(detail: str, origin: str) -> Reply:
    """analyse() of the reply a log line quotes, without the line (_log_reply adds the line's
    own fields). A day of logs repeats the same replies word for word (a host's deferral,
    retried all day), so short ones are read once; the cache holds at most about 2 MB."""
    if len(detail) > 1000:
        return analyse(detail, origin, raw="")
    return _analysed(detail, origin)


@functools.lru_cache(maxsize=1024)
def _analysed(detail: str, origin: str) -> Reply:
    return analyse(detail, origin, raw="")


def _log_reply(
    base: Reply,
    line: str,
    origin: str,
    recipient: str | None,
    host: str | None,
    ip: str | None,
    command: str | None,
    dsn_status: str | None,
    log_status: str | None,
    queue_id: str | None,
    timestamp: str | None,
) -> Reply:
    # Built directly: _replace() costs as much as the rest of a log line's reading. And every
    # field by position, in Reply's order, through tuple.__new__ (see the end of analyse()).
    return _new_tuple(
        Reply,
        (
            base.text,
            line,  # raw
            base.reply_code,
            base.enhanced_code,
            (),  # lines
            origin,
            host,  # remote_host
            ip,  # remote_ip
            recipient,
            command,  # smtp_command
            dsn_status,
            None,  # dsn_action
            None,  # diagnostic_type
            None,  # message_kind
            None,  # feedback_type
            log_status,
            queue_id,
            timestamp,
            None,  # location
            None,  # reporting_mta
            None,  # mta_category
            (),  # headers
        ),
    )


def _postfix(line: str) -> Reply | None:
    p = _p()
    sm = _field(p.pf_status, "status=", line)
    to = _field(p.pf_to, "to=<", line)
    if sm is None or to is None:
        return None
    status, detail = sm.group(1), sm.group(2) or ""
    reply = _analyse_detail(detail, "postfix") if detail else Reply(text="", raw=line)
    host, ip = reply.remote_host, reply.remote_ip
    relay = _field(p.pf_relay, "relay=", line) if host is None and ip is None else None
    if relay is not None:
        name = relay.group(1)
        # relay=local, relay=virtual, relay=none name transports, not hosts.
        if "." in name or relay.group(2):
            host, ip = name, relay.group(2)
    qm = p.pf_queue.search(line)
    dsn = _field(p.pf_dsn, "dsn=", line)
    return _log_reply(
        reply,
        line,
        "postfix",
        to.group(1) or None,
        host,
        ip,
        reply.smtp_command,
        valid_enhanced(dsn.group(1)) if dsn else None,
        status,
        qm.group(1) if qm else None,
        _stamp(line),
    )


def _postfix_reject(line: str) -> Reply | None:
    p = _p()
    m = p.pf_reject.search(line)
    if m is None:
        return None
    detail = m.group(4)
    cut = detail.find("; from=<")
    recipient = _field(p.pf_to, "to=<", detail[cut:]) if cut >= 0 else None
    reply = _analyse_detail(detail[:cut] if cut >= 0 else detail, "postfix")
    command = {"RCPT": "RCPT TO", "MAIL": "MAIL FROM", "CONNECT": "connect"}.get(
        m.group(1), m.group(1)
    )
    qm = re.search(r"\]: (NOQUEUE|[0-9A-Za-z]{5,20}): ", line)
    return _log_reply(
        reply,
        line,
        "postfix",
        recipient.group(1) if recipient else None,
        None,
        None,
        command,
        None,
        "reject",
        qm.group(1) if qm and qm.group(1) != "NOQUEUE" else None,
        _stamp(line),
    )


def _exim(line: str) -> Reply | None:
    p = _p()
    m = p.exim.match(line)
    if m is None:
        return None
    stamp, queue_id, flag, address, rest = m.groups()
    address = address.rstrip(":")
    detail = rest
    if flag in ("=>", "->", "*>"):
        cm = _field(p.exim_confirm, 'C="', rest)
        detail = cm.group(1) if cm else ""
    else:
        colon = rest.find(": ")
        detail = rest[colon + 2 :] if colon >= 0 else rest.strip()
    reply = _analyse_detail(detail, "exim") if detail else Reply(text="", raw=line)
    host, ip = reply.remote_host, reply.remote_ip
    hm = _field(p.exim_host, "H=", rest) if host is None and ip is None else None
    if hm is not None:
        host, ip = hm.group(1), hm.group(2)
        if _is_ip(host):
            host, ip = None, host
    return _log_reply(
        reply,
        line,
        "exim",
        clean_address(address) or address,
        host,
        ip,
        reply.smtp_command,
        None,
        flag,
        queue_id,
        stamp,
    )


def _sendmail(line: str) -> Reply | None:
    p = _p()
    stat = _field(p.sm_stat, "stat=", line)
    to = _field(p.sm_to, "to=", line)
    if stat is None or to is None:
        return None
    stat_text = stat.group(1).strip()
    rm = _field(p.sm_reply, "reply=", line)
    detail = rm.group(1) if rm else stat_text
    lowered = stat_text.lower()
    if lowered.startswith("sent"):
        status = "sent"
        if detail.startswith(("Sent (", "sent (")):
            detail = detail[6:].rstrip(")")
    elif lowered.startswith("deferred"):
        status = "deferred"
        detail = detail.partition(":")[2].strip() if detail is stat_text else detail
    elif lowered.startswith("queued"):
        status = "queued"
    else:
        status = "bounced"
    reply = _analyse_detail(detail, "sendmail") if detail else Reply(text="", raw=line)
    host, ip = reply.remote_host, reply.remote_ip
    relay = _field(p.sm_relay, "relay=", line) if host is None and ip is None else None
    if relay is not None:
        host, ip = relay.group(1).rstrip(".") or None, relay.group(2)
        if host is not None and _is_ip(host):
            host, ip = None, ip or host
    if host is None and ip is None:
        wm = _field(p.sm_with, "with ", detail)
        if wm is not None:
            host = wm.group(1)
    dsn = _field(p.pf_dsn, "dsn=", line)
    qm = p.sm_queue.search(line)
    return _log_reply(
        reply,
        line,
        "sendmail",
        clean_address(to.group(1)) or to.group(1),
        host,
        ip,
        reply.smtp_command,
        valid_enhanced(dsn.group(1)) if dsn else None,
        status,
        qm.group(1) if qm else None,
        _stamp(line),
    )
