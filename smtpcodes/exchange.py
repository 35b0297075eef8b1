"""Exchange message tracking logs: delivery outcomes in MSGTRK*.LOG files and their CSV exports.

Two shapes are read, both CSV with one event per line:

- The log files themselves (Exchange 2007 to 2019): a header of `#Software: Microsoft Exchange
  Server`, `#Version:`, `#Log-type: Message Tracking Log`, `#Date:` and `#Fields:` lines, then
  one row per event. The columns are those the `#Fields:` line names, and they grew over the
  versions (2007 ends at message-info; 2010 adds directionality ... custom-data; 2013 adds
  network-message-id; later builds add transport-traffic-type, log-id, schema-version), so they
  are read by name. Source: Microsoft Learn, "Message tracking" (Exchange Server 2016/2019),
  sections "Structure of the message tracking log files", "Fields in the message tracking log
  files" and "Event types in the message tracking log",
  https://learn.microsoft.com/exchange/mail-flow/transport-logs/message-tracking; and "Description
  of Message Tracking Log Fields" (Exchange 2007), https://learn.microsoft.com/previous-versions/
  tn-archive/cc539064(v=technet.10). Checked 2026-11-23.
- `Get-MessageTrackingLog ... | Export-Csv`: an optional `#TYPE Microsoft.Exchange.Management.
  TransportLogSearchTasks.MessageTrackingEvent` line, then a header row with the cmdlet's names
  (the log's names without dashes, `Timestamp` for date-time, `Recipients` for
  recipient-address, `Sender` for sender-address). Source: Microsoft Learn, "Search message
  tracking logs", https://learn.microsoft.com/exchange/mail-flow/transport-logs/
  search-message-tracking-logs. Checked 2026-11-23. Export-Csv writes a multi-valued property
  (Recipients, RecipientStatus) as its type name, `System.String[]`, unless the command joined
  it (`@{n='Recipients';e={$_.Recipients -join ';'}}`): such a row says an event happened, to
  nobody we can name and for no reason we can read.

Only four events are delivery outcomes here: FAIL ("Message delivery failed"), DEFER ("Message
delivery was delayed"), DELIVER ("A message was delivered to a local mailbox") and SEND ("A
message was sent by SMTP between transport services"). DSN (a report was generated, for the
sender) and the rest (RECEIVE, SUBMIT, RESOLVE, EXPAND, TRANSFER, HAREDIRECT, AGENTINFO, ...)
are steps on the way, not outcomes.

recipient-address holds the recipients separated by ";", and recipient-status one status per
recipient, in the same order, also separated by ";" (Microsoft Learn, "Fields in the message
tracking log files"). A status may itself hold ";" ("550 5.1.1 RESOLVER.ADR.RecipNotFound; not
found") or be Exchange's structured retry record `[{LRT=...};{LED=<the last error>};{FQDN=...};
{IP=...}]`, so statuses are split only where a new one starts (see `_statuses`).

Exchange Online's Get-MessageTrace and Get-MessageTraceDetail exports are not read: their output
columns are not documented on the cmdlets' pages, and Get-MessageTrace has no SMTP reply at all.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Sequence

from smtpcodes.parse import Reply, analyse

__all__ = ["TrackingLog", "is_tracking_log"]

ORIGIN = "exchange"

# event-id -> Reply.log_status (the values smtpcodes.scan already counts). Exchange writes the
# event ids in capitals, in the log and in the cmdlet's output alike.
_OUTCOMES = {"FAIL": "bounced", "DEFER": "deferred", "DELIVER": "sent", "SEND": "sent"}
_SUCCESS = "sent"

# The cmdlet's property names, lowered, that are not the log's names without dashes.
_ALIASES = {"timestamp": "datetime", "recipients": "recipientaddress", "sender": "senderaddress"}

# What Export-Csv writes for an array it was not told how to join.
_ARRAY_TYPES = frozenset({"System.String[]", "System.Object[]"})

# A status that starts a new one in a ";"-separated list: a reply code, an enhanced code, the
# structured retry record, a quoted value, or the header a RECEIVE row records (To, Cc, Bcc).
_STATUS_START = re.compile(
    r"\s{0,3}(?:[2-5][0-9][0-9](?:[ -]|$)|[245]\.[0-9]|\[\{|'|(?:To|Cc|Bcc)$)"
)
# A success's reply, read without the full parser: they are counted, never diagnosed.
_SUCCESS_CODES = re.compile(r"([2-5][0-9][0-9])[ -](?:([245]\.[0-9]{1,3}\.[0-9]{1,3}) )?")
_ADDRESS_SPLIT = re.compile(r"[;,\s]+")


def is_tracking_log(head: Sequence[str]) -> bool:
    """Whether the first lines of a file (decoded, without line ends; up to ~10) are an Exchange
    message tracking log or its PowerShell CSV export."""
    for raw in head[:10]:
        line = raw.lstrip("\ufeff").strip()
        if not line:
            continue
        low = line.lower()
        if low.startswith("#"):
            if low.startswith("#log-type:") and "message tracking" in low:
                return True
            if low.startswith("#fields:") and _names(line[8:].split(",")) >= _NEEDED:
                return True
            if low.startswith("#type ") and "messagetrackingevent" in low:
                return True
            continue
        # The first line that is not a comment: the export's header row, or nothing of ours.
        cells = _cells(line)
        return cells is not None and _names(cells) >= _NEEDED
    return False


_NEEDED = frozenset({"eventid", "recipientaddress", "recipientstatus"})


def _names(cells: Sequence[str]) -> frozenset[str]:
    return frozenset(_name(c) for c in cells)


def _name(cell: str) -> str:
    key = cell.strip().lower().replace("-", "")
    return _ALIASES.get(key, key)


def _cells(line: str) -> list[str] | None:
    """The fields of one CSV line, or None where its quoting is broken."""
    if '"' not in line:
        return line.split(",")
    try:
        return next(csv.reader([line], strict=True), [])
    except csv.Error:  # broken quoting, a field over csv's size limit
        return None


class _Columns:
    """Where the fields a delivery needs are, by name, in one header."""

    def __init__(self, names: Sequence[str]) -> None:
        index: dict[str, int] = {}
        for i, cell in enumerate(names):
            index.setdefault(_name(cell), i)
        self.count = len(names)
        self.event = index.get("eventid", -1)
        self.recipients = index.get("recipientaddress", -1)
        self.status = index.get("recipientstatus", -1)
        self.time = index.get("datetime", -1)
        self.internal_id = index.get("internalmessageid", -1)
        self.message_id = index.get("messageid", -1)
        self.source = index.get("source", -1)
        self.server_host = index.get("serverhostname", -1)
        self.server_ip = index.get("serverip", -1)
        self.usable = self.event >= 0


class TrackingLog:
    """Reads an Exchange tracking log line by line; the header (#Fields or the CSV header row) may
    change mid-file (a new #Fields block)."""

    def __init__(self) -> None:
        self._columns: _Columns | None = None
        # Outcome rows whose recipients or statuses Export-Csv wrote as a type name
        # (System.String[]): their values are lost, which the reader should be told.
        self.unjoined = 0

    @property
    def has_header(self) -> bool:
        """Whether a #Fields line or an export's header row has been read."""
        return self._columns is not None

    def feed(self, line: str) -> list[Reply] | None:
        """The delivery outcomes one line reports: a Reply per recipient for FAIL/DEFER/DELIVER/SEND
        rows (log_status "bounced", "deferred" or "sent"), [] for header/comment lines and other
        events, None for a row that cannot be read (wrong column count, broken quoting, no header
        seen yet)."""
        if line[:1] == "\ufeff":
            line = line[1:]
        if line[:1] == "#":
            if line[:8].lower() == "#fields:":
                self._columns = _Columns(line[8:].strip().split(","))
            return []
        if not line.strip():
            return []
        columns = self._columns
        if (
            columns is not None
            and "FAIL" not in line
            and "DEFER" not in line
            and "SEND" not in line
            and "DELIVER" not in line
        ):
            # Not an outcome (these words are in every outcome row, in capitals): most rows of a
            # log end here without being parsed. They are checked as far as is cheap: the
            # number of fields when nothing is quoted, balanced quotes otherwise.
            if '"' not in line:
                if line.count(",") + 1 == columns.count:
                    return []
            elif line.count('"') % 2 == 0 and '"EventId"' not in line:
                return []
        cells = _cells(line)
        if cells is None:
            return None
        if columns is None or len(cells) != columns.count or not columns.usable:
            return self._header(cells)
        event = cells[columns.event].strip()
        status = _OUTCOMES.get(event)
        if status is None:
            return self._header(cells) if event == "EventId" else []
        if _field(cells, columns.recipients) in _ARRAY_TYPES or _field(cells, columns.status) in (
            _ARRAY_TYPES
        ):
            self.unjoined += 1
        try:
            return _outcomes(line, cells, columns, status)
        except Exception:  # never let one odd row stop a scan; it is reported as unreadable
            return None

    def _header(self, cells: list[str]) -> list[Reply] | None:
        """[] for the export's header row (the columns from here on), None for any other row."""
        if _names(cells) >= _NEEDED:
            self._columns = _Columns(cells)
            return []
        return None


def _field(cells: list[str], i: int) -> str:
    return cells[i].strip() if i >= 0 else ""


def _outcomes(line: str, cells: list[str], columns: _Columns, status: str) -> list[Reply]:
    recipients = _recipients(_field(cells, columns.recipients))
    status_text = _field(cells, columns.status)
    if status_text in _ARRAY_TYPES:
        status_text = ""
    statuses = _statuses(status_text, len(recipients))
    queue_id = _field(cells, columns.internal_id) or _field(cells, columns.message_id) or None
    stamp = _field(cells, columns.time) or None
    host: str | None = None
    ip: str | None = None
    if _field(cells, columns.source) == "SMTP":
        # An SMTP event names the server it sent to in server-hostname/server-ip ("The host name
        # or FQDN of the destination server"); other sources (ROUTING, QUEUE, DNS) name the local
        # server there, which is not the remote side.
        host = _field(cells, columns.server_host) or None
        ip = _field(cells, columns.server_ip) or None
    out: list[Reply] = []
    for recipient, text in zip(recipients, statuses, strict=True):
        command: str | None = None
        if status == _SUCCESS:
            said, reply_code, enhanced = _success(text)
            remote_host, remote_ip = host, ip
        else:
            base = _failure(text)
            said, reply_code, enhanced = base.text, base.reply_code, base.enhanced_code
            command = base.smtp_command
            remote_host, remote_ip = base.remote_host, base.remote_ip
            if remote_host is None and remote_ip is None:
                remote_host, remote_ip = host, ip
        # Every field by position, in Reply's order: a success is counted by the thousand.
        out.append(
            _make(
                (
                    said,
                    line,  # raw
                    reply_code,
                    enhanced,
                    (),  # lines
                    ORIGIN,
                    remote_host,
                    remote_ip,
                    recipient,
                    command,  # smtp_command
                    None,  # dsn_status
                    None,  # dsn_action
                    None,  # diagnostic_type
                    None,  # message_kind
                    None,  # feedback_type
                    status,  # log_status
                    queue_id,
                    stamp,  # timestamp
                    None,  # location
                    None,  # reporting_mta
                    None,  # mta_category
                    (),  # headers
                )
            )
        )
    return out


_make = Reply._make


def _recipients(text: str) -> list[str | None]:
    """The addresses in recipient-address (";"-separated; an export may have joined them with
    spaces or commas instead); [None] when there are none or Export-Csv hid them."""
    if not text or text in _ARRAY_TYPES:
        return [None]
    if ";" not in text and "," not in text and " " not in text:
        return [text.strip("<>'") or None]
    found: list[str | None] = [a.strip("<>'") or None for a in _ADDRESS_SPLIT.split(text) if a]
    return found or [None]


def _statuses(text: str, count: int) -> list[str]:
    """One status per recipient, from recipient-status: split on ";" only where a new status
    starts; if that does not give one per recipient, each gets the whole text."""
    if count <= 1:
        return [text]
    # Always merged, also when the count happens to match: a single "550 5.1.1 ...; not found"
    # for two recipients splits in two as well.
    merged: list[str] = []
    for piece in _split_top(text):
        if merged and _STATUS_START.match(piece) is None:
            merged[-1] += ";" + piece
        else:
            merged.append(piece)
    if len(merged) != count:
        return [text] * count
    return merged


def _split_top(text: str) -> list[str]:
    """`text` split on the ";" outside brackets and single quotes."""
    if "[" not in text and "{" not in text and "'" not in text:
        return text.split(";")
    pieces: list[str] = []
    depth = 0
    quoted = False
    start = 0
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if quoted:
            if c == "'":
                if text[i + 1 : i + 2] == "'":
                    i += 1  # '' inside a quoted value
                else:
                    quoted = False
        elif c == "'" and not text[start:i].strip():
            quoted = True
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth = max(0, depth - 1)
        elif c == ";" and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
        i += 1
    pieces.append(text[start:])
    return pieces


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        return text[1:-1].replace("''", "'")
    return text


class _Retry:
    """Exchange's retry record, `[{LRT=<last retry time>};{LED=<last error>};{FQDN=<host>};
    {IP=<address>}]`, as Get-MessageTrackingLog shows it in RecipientStatus and Get-Queue in
    LastError: the error is the reply, the FQDN and IP the server that gave it."""

    __slots__ = ("error", "host", "ip")

    def __init__(self, text: str) -> None:
        values: dict[str, str] = {}
        for part in text[2:-2].split("};{"):
            key, sep, value = part.partition("=")
            if sep:
                values.setdefault(key.strip().upper(), value.strip())
        self.error = values.get("LED", "")
        self.host = values.get("FQDN") or None
        self.ip = values.get("IP") or None


@functools.lru_cache(maxsize=1024)
def _failure(status: str) -> Reply:
    """A failure's or deferral's status read as a reply. Cached: a day's log repeats the same
    deferral for every retry of every message to one host."""
    status = _unquote(status)
    if status.startswith("[{") and status.endswith("}]"):
        retry = _Retry(status)
        base = analyse(retry.error, ORIGIN, raw="")
        if base.remote_host is None and base.remote_ip is None and (retry.host or retry.ip):
            base = base._replace(remote_host=retry.host, remote_ip=retry.ip)
        return base
    return analyse(status, ORIGIN, raw="")


def _success(status: str) -> tuple[str, str | None, str | None]:
    """A success's text, reply code and enhanced code, read without the full parser: successes
    are counted, never diagnosed."""
    status = _unquote(status)
    m = _SUCCESS_CODES.match(status)
    if m is None:
        return status, None, None
    return status[m.end() :], m.group(1), m.group(2)
