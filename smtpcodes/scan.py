"""Scan a day of mail logs or a folder of bounces: every delivery failure and deferral, diagnosed.

Inputs are Postfix, Exim and Sendmail logs (plain, gzip, bzip2 or xz), mbox files, single emails,
Maildir folders and folders of .eml files (recursively), and standard input. Everything streams: a
log is read one line at a time and a mailbox one message at a time, records are yielded as soon as
they are found, and :class:`Summary` keeps bounded counters, so memory stays flat however large the
input. A line or a message that cannot be read is a :class:`ScanProblem`, never an exception.

    >>> from smtpcodes.scan import Summary, scan
    >>> summary = Summary()
    >>> for item in scan(["/var/log/mail.log"], summary=summary):  # doctest: +SKIP
    ...     print(item.to_json())
"""

from __future__ import annotations

import functools
import io
import json
import lzma
import os
import re
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, cast

from smtpcodes import limits as limits_module
from smtpcodes._encoding import (
    BZIP2,
    GZIP,
    UNREAD_COMPRESSIONS,
    XZ,
    Utf8Reader,
    binary_kind,
    looks_utf16,
    undecided_utf16,
)
from smtpcodes._streams import Peekable, read_head
from smtpcodes.diagnose import Verdict, diagnose_reply
from smtpcodes.exchange import TrackingLog, is_tracking_log
from smtpcodes.limits import Limits
from smtpcodes.parse import ADDR, Reply, detect_kind, mbox_from_line, parse_log_line

__all__ = [
    "KINDS",
    "PLAIN_COLUMNS",
    "BoundedCounter",
    "ScanItem",
    "ScanProblem",
    "ScanRecord",
    "Summary",
    "normalize_reason",
    "scan",
    "summarize",
]

#: How an input is read: "auto" detects logs, mbox files and single emails from their first lines.
KINDS = ("auto", "log", "exchange", "mbox", "email")

STDIN = "-"
PROGRESS_EVERY = 4096  # lines between calls to the progress callback
_HEAD_LINES = 60  # lines read to decide whether an input is an email

# Delivery outcomes as the MTAs log them: Postfix status=, Exim's flags, Sendmail's stat= class.
_DELIVERED = frozenset({"sent", "deliverable", "=>", "->", "*>"})
_DEFERRED = frozenset({"deferred", "=="})
_FAILED = frozenset({"bounced", "expired", "undeliverable", "reject", "**"})
_ACTION_OUTCOME = {
    "failed": "failed",
    "delayed": "deferred",
    "delivered": "delivered",
    "relayed": "delivered",
    "expanded": "delivered",
}


# --- what a scan yields -------------------------------------------------------------------------


def _where(file: str, line: int | None, message: int | None) -> str:
    name = "standard input" if file == STDIN else file
    if message is not None:
        return f"{name}#{message}"
    if line is not None:
        return f"{name}:{line}"
    return name


# What `smtpcodes scan --format plain` prints for a record, tab-separated: keys of its JSON.
PLAIN_COLUMNS = (
    "file",
    "line",
    "message",
    "time",
    "queue_id",
    "recipient",
    "status",
    "reply_code",
    "enhanced_code",
    "category",
    "bounce",
    "provider",
    "text",
)


@dataclass(frozen=True)
class ScanRecord:
    """One failed or deferred delivery: the verdict, and where it was found."""

    verdict: Verdict
    status: str  # "failed" or "deferred"
    file: str  # the path as given or found in a folder; "-" for standard input
    line: int | None = None  # the log line, or the line an mbox message starts on
    message: int | None = None  # the message number in an mbox, from 1

    @property
    def location(self) -> str:
        return _where(self.file, self.line, self.message)

    @property
    def queue_id(self) -> str | None:
        return self.verdict.reply.queue_id

    @property
    def recipient(self) -> str | None:
        return self.verdict.reply.recipient

    @property
    def time(self) -> str | None:
        return self.verdict.reply.timestamp

    def to_json(self) -> dict[str, object]:
        # The verdict's to_json, base_json then own_json, with the record's own keys after:
        # _own_json holds the verdict's own_json already, so it is not built twice.
        data = self.verdict.base_json()
        data.update(self._own_json())
        return data

    def _own_json(self, decision: bool = True) -> dict[str, object]:
        """The keys of to_json that the verdict's own and where it was found decide; without the
        verdict's decision_json keys when `decision` is false."""
        data = self.verdict.own_json(decision)
        data.update(
            {
                "location": self.location,
                "status": self.status,
                "file": self.file,
                "line": self.line,
                "message": self.message,
                "queue_id": self.queue_id,
                "recipient": self.recipient,
                "time": self.time,
            }
        )
        return data

    def plain_fields(self) -> tuple[object, ...]:
        """The values of :data:`PLAIN_COLUMNS`, as to_json gives them, without building it; the
        text as the reply wrote it (see written_text), for plain output to show its tabs."""
        verdict = self.verdict
        reply = verdict.reply
        return (
            self.file,
            self.line,
            self.message,
            reply.timestamp,
            reply.queue_id,
            reply.recipient,
            self.status,
            verdict.reply_code,
            verdict.enhanced_code,
            verdict.category,
            verdict.bounce,
            verdict.provider,
            written_text(reply),
        )

    def to_json_text(self) -> str:
        """``json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))``, built faster.

        Most of a record is the registry's explanation of its codes, the same for every record
        with those codes, and what was decided, the same for every record with that decision:
        those parts are encoded once (see _Layout) and only the rest for each record.
        """
        verdict = self.verdict
        explanation = verdict.explanation
        if explanation is None:
            return _dumps(self.to_json())
        own = self._own_json(decision=False)
        key = (id(explanation), verdict.category)
        layout = _LAYOUTS.get(key)
        if layout is None or layout.explanation is not explanation or layout.keys != tuple(own):
            if len(_LAYOUTS) >= _LAYOUTS_MAX:
                _LAYOUTS.clear()
            layout = _LAYOUTS[key] = _Layout(
                explanation, self.to_json(), own, verdict.decision_json()
            )
        decision = verdict.decision()
        decided = layout.decided.get(decision)
        if decided is None:
            if len(layout.decided) >= _DECIDED_MAX:
                layout.decided.clear()
            decided = layout.decided[decision] = layout.encode_decision(verdict.decision_json())
        return layout.text(own, decided)


def written_text(reply: Reply) -> str:
    """The reply's text with the whitespace it was written with.

    The parser folds every run of whitespace (a tab, a line break) into one space, as the rules
    read it and as JSON's "text" gives it; plain output shows a tab escaped, "\\t", as explain's
    input column does, so the reply is found in it as it was written. Only a line with such a
    character pays for finding the text in it.
    """
    text, raw = reply.text, reply.raw
    if not text or raw.isprintable() or text not in _folded(raw):
        return text
    words = text.split(" ")
    found = re.search(r"\s+".join(map(re.escape, words)), raw)
    if found is None:
        return text
    # Line breaks (a bounce's prose wrapped over lines) are folded still: a record is one line,
    # and what matters in it is the reply's words, not where a mail client wrapped them.
    return " ".join(filter(None, (part.strip() for part in found.group(0).splitlines())))


def _folded(text: str) -> str:
    return " ".join(text.split())


def _encoder() -> Callable[[object], str]:
    """Compact JSON (ensure_ascii=False), as json.dumps writes it, made once: json.dumps with
    options builds a new encoder on every call, and JSONEncoder.encode its C part. The C part
    is made here once when this Python has it in the shape expected (checked on a sample);
    otherwise JSONEncoder.encode."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    try:
        from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]

        make = c_make_encoder(
            None, encoder.default, encode_basestring, None, ":", ",", False, False, True
        )
        sample = {"a": [1, 2.5, None, True, '\u00e9\n"'], "b": {"c": ""}}

        def fast(obj: object) -> str:
            return "".join(make(obj, 0))

        if fast(sample) == encoder.encode(sample):
            return fast
    except Exception:  # not CPython's C accelerator, or another signature: the plain path
        pass
    return encoder.encode


_dumps = _encoder()


def _members(data: dict[str, object], keys: tuple[str, ...]) -> str:
    """The JSON of those keys of data, without the braces: a piece of a larger object."""
    return _dumps({k: data[k] for k in keys})[1:-1]


class _Layout:
    """How a record's JSON text is put together from runs of its keys, in to_json's order: runs
    the explanation and the category decide (encoded once, here), runs of the verdict's decision
    (encoded once per decision, see ScanRecord.to_json_text) and runs of the record's own keys
    (encoded for each record)."""

    __slots__ = ("decided", "decision_runs", "explanation", "keys", "parts")

    def __init__(
        self,
        explanation: object,
        full: dict[str, object],
        own: dict[str, object],
        decision: dict[str, object],
    ) -> None:
        # Held, so that its id, the key it is found by, is not reused while it is here.
        self.explanation = explanation
        self.keys = tuple(own)
        # A part is encoded text, a tuple of the record's own keys, or the index of a run of
        # decision keys in decision_runs.
        parts: list[str | tuple[str, ...] | int] = []
        decision_runs: list[tuple[str, ...]] = []

        def kind(key: str) -> int:
            return 1 if key in own else 2 if key in decision else 0

        runs: list[list[str]] = []
        for key in full:
            if runs and kind(runs[-1][0]) == kind(key):
                runs[-1].append(key)
            else:
                runs.append([key])
        for run in runs:
            keys = tuple(run)
            what = kind(run[0])
            if what == 1:
                parts.append(keys)
            elif what == 0:
                parts.append(_members(full, keys))
            else:
                parts.append(len(decision_runs))
                decision_runs.append(keys)
        self.parts = tuple(parts)
        self.decision_runs = tuple(decision_runs)
        self.decided: dict[tuple[object, ...], tuple[str, ...]] = {}

    def encode_decision(self, data: dict[str, object]) -> tuple[str, ...]:
        return tuple(_members(data, keys) for keys in self.decision_runs)

    def text(self, own: dict[str, object], decided: tuple[str, ...]) -> str:
        pieces = [
            part
            if type(part) is str
            else decided[part]
            if type(part) is int
            else _members(own, part)  # type: ignore[arg-type]
            for part in self.parts
        ]
        return "{" + ",".join(pieces) + "}"


# Layouts by (id of the explanation, category); a day of logs has a few hundred.
_LAYOUTS: dict[tuple[int, str], _Layout] = {}
_LAYOUTS_MAX = 1024
# Decisions per layout: the verdicts a day of logs reaches for one code and category.
_DECIDED_MAX = 256


@dataclass(frozen=True)
class ScanProblem:
    """A line, message or path that could not be read or diagnosed; counted, never fatal.

    kind is "unreadable" (a path or stream that could not be opened or read to its end),
    "malformed" (a line that looks like a delivery but is not one), "error" (a parser raised),
    "unrecognised" (a failure or bounce with no code and no known text) or "cut" (a limit of
    :class:`smtpcodes.limits.Limits` cut a line or a message; what was read is still diagnosed).
    """

    file: str
    reason: str
    kind: str = "malformed"
    line: int | None = None
    message: int | None = None

    @property
    def location(self) -> str:
        return _where(self.file, self.line, self.message)

    @property
    def unreadable(self) -> bool:
        return self.kind == "unreadable"

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "reason": self.reason,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "location": self.location,
        }

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


ScanItem = ScanRecord | ScanProblem


# --- the summary --------------------------------------------------------------------------------

OTHER = "(other)"
NONE = "(none)"
UNKNOWN = "(unknown)"


class BoundedCounter:
    """Counts with at most about 2 * capacity keys: when full, the rarest half goes to "(other)".

    The counts of the keys kept are exact unless a key was dropped and came back (then `pruned` is
    true and its count is a lower bound); the total is always exact.
    """

    def __init__(self, capacity: int = 1000) -> None:
        self.capacity = max(1, capacity)
        self.counts: dict[str, int] = {}
        self.other = 0
        self.pruned = False

    def add(self, key: str, n: int = 1) -> None:
        counts = self.counts
        if key in counts:
            counts[key] += n
            return
        counts[key] = n
        if len(counts) >= 2 * self.capacity:
            self._prune()

    def _prune(self) -> None:
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        keep = ranked[: self.capacity]
        self.other += sum(count for _, count in ranked[self.capacity :])
        self.counts = dict(keep)
        self.pruned = True

    def total(self) -> int:
        return sum(self.counts.values()) + self.other

    def most_common(self, limit: int | None = None) -> list[tuple[str, int]]:
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked if limit is None else ranked[:limit]

    def to_json(self, limit: int | None = None) -> dict[str, int]:
        ranked = self.most_common()
        shown = ranked if limit is None else ranked[:limit]
        out = dict(shown)
        rest = self.other + sum(count for _, count in ranked[len(shown) :])
        if rest:
            out[OTHER] = rest
        return out


@functools.cache
def _reason_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    return (
        re.compile(f"<?{ADDR}>?"),
        re.compile(
            r"\[?\b(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3}|(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{1,4})\b\]?"
        ),
    )


def _digits(word: str) -> int:
    """How many ASCII digits a word holds. Counted on its UTF-8 bytes, where no other character
    gives a byte in 0-9: bytes.translate deletes in C without a table lookup per character."""
    data = word.encode("utf-8", "surrogatepass")
    return len(data) - len(data.translate(None, b"0123456789"))


def normalize_reason(text: str, limit: int = 200) -> str:
    """A reply text with what varies between copies replaced, for grouping: addresses, IP
    addresses, and ids (words with seven digits or more, or long words with four: queue and
    session ids, timestamps, sizes). Short codes such as OFR005_104 or 5.7.26 stay, and so do
    http(s) links (the provider's documentation), bar the ids in their query string and fragment.
    """
    # No word comes out empty, so the first `limit` words fill `limit` characters. Most words
    # were seen before (the wording, and the hosts and IP addresses of the servers that answer
    # all day): a dictionary lookup each. Nothing maps to "", so `or` tells a miss.
    words = text.split(None, limit)[:limit]
    get = _WORDS.get
    return " ".join([get(w) or _reason_word(w) for w in words])[:limit]


# The words normalize_reason has read, and what each became; emptied when full, so it holds the
# words of the last stretch of a log.
_WORDS: dict[str, str] = {}
_WORDS_MAX = 20_000
_WORD_KEPT_MAX = 100


def _reason_word(word: str) -> str:
    kept = _new_reason_word(word)
    if len(word) <= _WORD_KEPT_MAX:  # an outsized "word" (a run of junk) is not worth its memory
        if len(_WORDS) >= _WORDS_MAX:
            _WORDS.clear()
        _WORDS[word] = kept
    return kept


def _new_reason_word(word: str) -> str:
    if "@" in word:
        if "://" in word:
            url = _reason_url(word)
            if url is not None:
                return url
        addr, _ = _reason_patterns()
        return addr.sub("<address>", word)
    kept = word
    if not word.isalpha():
        digits = _digits(word)
        # A link is the provider's documentation: it stays, bar what varies in it. One without
        # digits has nothing to mask, so only a word with digits pays for the look.
        if digits and "://" in word:
            url = _reason_url(word)
            if url is not None:
                return url
        kept, digits = _without_ips(word, digits)
        if digits >= 7 or (digits >= 4 and len(kept) >= 16):
            return "<id>"
    return kept


def _without_ips(text: str, digits: int) -> tuple[str, int]:
    """The text with IP addresses masked, and its digits then. An IPv4 address has three dots,
    an IPv6 one two colons: without them the search is skipped (it costs more than the rest of
    a word's reading)."""
    if digits >= 4 and (text.count(".") >= 3 or text.count(":") >= 2):
        _, ip = _reason_patterns()
        text = ip.sub("<ip>", text)
        return text, _digits(text)
    return text, digits


# Closing punctuation a sentence or a bracket puts after a link; it is not part of it.
_URL_TAIL = ".,;:!'\")]>}"


def _reason_url(word: str) -> str | None:
    """A word holding an http(s) link, normalised: host and path kept (bar IP and mail addresses
    in them), and in the query string and fragment the values that look like ids masked, so a
    per-message tracking link groups with its siblings. None when the word holds no such link."""
    at = word.find("://")
    head = word[:at].lower()
    if head.endswith("https"):
        start = at - 5
    elif head.endswith("http"):
        start = at - 4
    else:
        return None
    end = len(word.rstrip(_URL_TAIL))
    if end <= at + 3:
        return None
    url = word[start:end]
    rest, hashed, fragment = url.partition("#")
    base, asked, query = rest.partition("?")
    base = _url_part(base, path=True)
    if asked:
        query = "&".join(_url_param(param) for param in query.split("&"))
    if hashed:
        fragment = _url_part(fragment)
    prefix = _new_reason_word(word[:start]) if start else ""
    return f"{prefix}{base}{asked}{query}{hashed}{fragment}{word[end:]}"


def _url_param(param: str) -> str:
    name, eq, value = param.partition("=")
    return f"{name}={_url_part(value)}" if eq else _url_part(param)


def _url_part(text: str, path: bool = False) -> str:
    """A link's host and path (path=True) or one of its query or fragment values."""
    if "@" in text:
        addr, _ = _reason_patterns()
        if path:  # a local part may hold "/": read each path segment on its own
            return "/".join(
                addr.sub("<address>", seg) if "@" in seg else seg for seg in text.split("/")
            )
        return addr.sub("<address>", text)
    text, digits = _without_ips(text, _digits(text))
    if not digits:
        return text
    if path:
        # A page's name (Apple's HT204137) stays; a long number or token in the path is a
        # per-message id (https://x.example/track/1700000000123456), so such links group.
        return "/".join(
            "<id>" if (d := _digits(seg)) >= 10 or (d >= 4 and len(seg) >= 20) else seg
            for seg in text.split("/")
        )
    # The word rule, and letters mixed with digits over 8 characters or more: tokens such as
    # "ab12cd34". An all-digit value under seven digits (answer=6596, LinkID=526655) names a page.
    if digits >= 7 or (digits >= 4 and len(text) >= 16) or (len(text) >= 8 and not text.isdigit()):
        return "<id>"
    return text


@dataclass
class _Reason:
    category: str
    reason: str
    count: int
    reply_code: str | None
    enhanced_code: str | None
    example: dict[str, object]


class Summary:
    """Totals and bounded counters over a scan; give it to :func:`scan`, which feeds it everything.

    Counters keep at most about twice `capacity` keys each (the rest is counted as "(other)"), and
    problems keep their first `examples`, so memory stays flat. With `counters=False` only the
    totals and the problem examples are kept (the counters and top reasons stay empty).
    """

    def __init__(self, capacity: int = 1000, examples: int = 20, counters: bool = True) -> None:
        self.inputs = 0  # files and streams opened
        self.lines = 0  # log lines read
        self.messages = 0  # emails read
        self.deliveries = 0  # delivery reports seen (log delivery lines, bounce recipients)
        self.delivered = 0
        self.failures = 0
        self.deferrals = 0
        self.other = 0  # neither: auto-replies, feedback, emails that are no bounce, "queued"
        self.problems = 0
        self.unreadable = 0
        self.cut = 0  # problems that are cuts by the limits (the rest was still read)
        self.interrupted = False  # the scan was stopped (Ctrl-C) before the end of its input
        self.by_category = BoundedCounter(capacity)
        self.by_class = BoundedCounter(capacity)
        self.by_bounce = BoundedCounter(capacity)
        self.by_provider = BoundedCounter(capacity)
        self.by_domain = BoundedCounter(capacity)
        self._reasons: dict[tuple[str, str], _Reason] = {}
        self._reasons_capacity = max(1, capacity)
        self._normalized: dict[str, str] = {}
        self.reasons_other = 0
        self.problem_examples: list[ScanProblem] = []
        self._examples = examples
        # Without counters only the totals and the problem examples are kept: enough for a
        # caller that prints the records themselves, and cheaper for each record.
        self._counters = counters

    @property
    def found(self) -> bool:
        """Whether anything recognisable was found: a delivery, a diagnosed bounce."""
        return self.deliveries > 0

    def add(self, item: ScanItem) -> None:
        """Count one record or problem (scan calls this for everything it yields)."""
        if isinstance(item, ScanProblem):
            self.problems += 1
            if item.unreadable:
                self.unreadable += 1
            elif item.kind == "cut":
                self.cut += 1
            if len(self.problem_examples) < self._examples:
                self.problem_examples.append(item)
            return
        if item.status == "deferred":
            self.deferrals += 1
        else:
            self.failures += 1
        if not self._counters:
            return
        verdict = item.verdict
        reply = verdict.reply
        self.by_category.add(verdict.category)
        self.by_class.add(verdict.code_class.value if verdict.code_class else "unknown")
        self.by_bounce.add(verdict.bounce or NONE)
        self.by_provider.add(verdict.provider or UNKNOWN)
        recipient = reply.recipient or ""
        domain = recipient.rpartition("@")[2].lower() if "@" in recipient else NONE
        self.by_domain.add(domain)
        self._add_reason(item, verdict, reply)

    def _add_reason(self, item: ScanRecord, verdict: Verdict, reply: Reply) -> None:
        # Many replies repeat word for word (the same server, the same sending IP): remember the
        # last few thousand normalisations rather than redo them.
        text = self._normalized.get(reply.text)
        if text is None:
            text = normalize_reason(reply.text) if reply.text else ""
            if len(self._normalized) >= 4096:
                self._normalized.clear()
            self._normalized[reply.text] = text
        key = (verdict.category, text.lower())
        found = self._reasons.get(key)
        if found is not None:
            found.count += 1
            return
        if len(self._reasons) >= 2 * self._reasons_capacity:
            self._prune_reasons()
        self._reasons[key] = _Reason(
            category=verdict.category,
            reason=text,
            count=1,
            reply_code=verdict.reply_code,
            enhanced_code=verdict.enhanced_code,
            example={
                "location": item.location,
                "file": item.file,
                "line": item.line,
                "message": item.message,
                "recipient": reply.recipient,
                "text": reply.text[:1000],
            },
        )

    def _prune_reasons(self) -> None:
        ranked = sorted(self._reasons.items(), key=lambda kv: -kv[1].count)
        keep = ranked[: self._reasons_capacity]
        self.reasons_other += sum(r.count for _, r in ranked[self._reasons_capacity :])
        self._reasons = dict(keep)

    def top_reasons(self, limit: int = 20) -> list[dict[str, object]]:
        ranked = sorted(self._reasons.values(), key=lambda r: (-r.count, r.category, r.reason))
        return [
            {
                "category": r.category,
                "reason": r.reason,
                "count": r.count,
                "reply_code": r.reply_code,
                "enhanced_code": r.enhanced_code,
                "example": dict(r.example),
            }
            for r in ranked[:limit]
        ]

    def totals(self) -> dict[str, int]:
        return {
            "inputs": self.inputs,
            "lines": self.lines,
            "messages": self.messages,
            "deliveries": self.deliveries,
            "delivered": self.delivered,
            "failures": self.failures,
            "deferrals": self.deferrals,
            "other": self.other,
            "problems": self.problems,
            "unreadable": self.unreadable,
            "cut": self.cut,
        }

    def to_json(self, limit: int | None = None, reasons: int = 20) -> dict[str, object]:
        """The summary as JSON; counters by count, at most `limit` keys each, then "(other)"."""
        return {
            "totals": self.totals(),
            "by_category": self.by_category.to_json(limit),
            "by_class": self.by_class.to_json(limit),
            "by_bounce": self.by_bounce.to_json(limit),
            "by_provider": self.by_provider.to_json(limit),
            "by_domain": self.by_domain.to_json(limit),
            "top_reasons": self.top_reasons(reasons),
            "problems": [p.to_json() for p in self.problem_examples],
            "interrupted": self.interrupted,
        }


# --- reading inputs -----------------------------------------------------------------------------


class _ReadError(Exception):
    """A stream that failed part-way (truncated gzip, I/O error): the rest of that input is lost."""


# zlib.error and lzma.LZMAError are what a corrupt gzip or xz stream raises part-way through.
_READ_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    ValueError,
    zlib.error,
    lzma.LZMAError,
)


_SIGNATURES = (GZIP, BZIP2, XZ)


def _undecided(head: bytes) -> bool:
    """Whether the first bytes of an input could still start a signature or UTF-16's mark."""
    if len(head) >= 6 or not head:  # the longest signature; an empty head is the end of input
        return False
    return any(s.startswith(head) for s in _SIGNATURES) or undecided_utf16(head)


class _NotText(Exception):
    """An input that is not text (random bytes, a compression scan cannot read): what it is."""


_TEXT_SAMPLE = 8192  # bytes looked at to tell text from binary data, as binary_kind does


def _not_text(stream: Peekable) -> str | None:
    """Why an input (its text, after decompression) cannot be a log or an email, else None.

    Only what one read brings is looked at (peek), so a live pipe is not held back. NULs are
    left out of the count: a log that logrotate's copytruncate left with a run of them at its
    start is still a log, and so is one with a stray NUL; random bytes are one in ten controls.
    """
    sample = stream.peek(_TEXT_SAMPLE)[:_TEXT_SAMPLE]
    what = binary_kind(sample.replace(b"\x00", b""))
    if what is None:
        return None
    if what in UNREAD_COMPRESSIONS:
        return f"{what}; decompress it with {UNREAD_COMPRESSIONS[what]} first"
    if what == "binary data":
        return "binary data, not text (--as log reads the lines it can)"
    return f"{what}, not text"


def _readable(stream: IO[bytes], sniff: bool = False) -> IO[bytes]:
    """The stream itself, decompressed when it starts with a gzip, bzip2 or xz signature, and
    read as UTF-8 when its text is UTF-16 behind a byte order mark. With `sniff`, _NotText when
    what it holds is not text."""
    buffered: Peekable
    if isinstance(stream, io.BufferedReader):
        buffered = stream
    else:
        buffered = io.BufferedReader(cast(io.RawIOBase, stream))
    head, buffered = read_head(buffered, _undecided)
    fileobj = cast(IO[bytes], buffered)
    opened: Peekable | None = None
    if head.startswith(GZIP):
        import gzip

        opened = gzip.GzipFile(fileobj=fileobj, mode="rb")
    elif head.startswith(BZIP2):
        import bz2

        opened = bz2.BZ2File(fileobj)
    elif head.startswith(XZ):
        import lzma

        opened = lzma.LZMAFile(fileobj)  # noqa: SIM115 - closed with the file under it
    if opened is not None:
        # What decides UTF-16 is the first bytes of the text, after decompression.
        head, opened = read_head(opened, undecided_utf16)
        fileobj = cast(IO[bytes], opened)
    # UTF-16 with its byte order mark, what Windows PowerShell's ">" and Out-File write (an
    # exported tracking log, a log copied off a Windows host), compressed or not.
    if looks_utf16(head):
        return cast(IO[bytes], Utf8Reader(fileobj))
    if sniff:
        why = _not_text(cast(Peekable, fileobj))
        if why is not None:
            raise _NotText(why)
    return fileobj


def _lines(stream: IO[bytes], most: int) -> Iterator[bytes]:
    """Lines in pieces of at most `most` bytes; a read error becomes _ReadError."""
    readline = functools.partial(stream.readline, most)
    try:
        yield from iter(readline, b"")
    except _READ_ERRORS as exc:
        raise _ReadError(_reason(exc)) from exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


_HEADER = re.compile(rb"[!-9;-~]{1,76}:")


def _sniff(stream: IO[bytes], most: int) -> tuple[str, list[bytes]]:
    """What an input is ("mbox", "email" or "log"), and the lines (pieces of at most `most` bytes)
    read to decide."""
    head: list[bytes] = []
    while len(head) < _HEAD_LINES:
        line = stream.readline(most)
        if not line:
            break
        head.append(line)
        if len(head) == 1:
            if line.startswith(b"From ") and mbox_from_line(line[:400].decode("latin-1")):
                return "mbox", head
            if _HEADER.match(line) is None:
                return "log", head
        if line in (b"\n", b"\r\n"):
            break
    if not head:
        return "log", head
    text = b"".join(head).decode("utf-8", "replace")
    return ("email" if detect_kind(text) == "email" else "log"), head


_TRACKING_HEAD = 10  # lines is_tracking_log reads at most


def _is_tracking_log(stream: IO[bytes], head: list[bytes], most: int) -> bool:
    """Whether an input is an Exchange message tracking log or its CSV export, from its first
    lines; `head` (what _sniff read) gets the lines read to decide.

    More lines are read only while all so far are comments or blank (a log's #Software ... #Fields
    header, an export's #TYPE line): the first other line decides. So a live log piped in
    (tail -F | smtpcodes scan -) is not held back waiting for lines that have not come yet.
    """
    while len(head) < _TRACKING_HEAD and all(_comment_or_blank(line) for line in head):
        try:
            line = stream.readline(most)
        except _READ_ERRORS:
            break  # reading on meets it again, after the lines read so far are scanned
        if not line:
            break
        head.append(line)
    return is_tracking_log(
        [line.decode("utf-8", "replace").rstrip("\r\n") for line in head[:_TRACKING_HEAD]]
    )


def _comment_or_blank(line: bytes) -> bool:
    text = line.removeprefix(b"\xef\xbb\xbf").strip()
    return not text or text.startswith(b"#")


def _chain(head: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from head
    yield from rest


def _outcome(reply: Reply, verdict: Verdict | None) -> str:
    """The outcome ("delivered", "failed", "deferred", "other"): log status, DSN action, code."""
    status = reply.log_status
    if status in _DELIVERED:
        return "delivered"
    if status in _DEFERRED:
        return "deferred"
    if status in _FAILED:
        return "failed"
    if status is not None:
        return "other"  # Sendmail "queued" and the like
    by_action = _ACTION_OUTCOME.get((reply.dsn_action or "").lower())
    if by_action is not None:
        return by_action
    if verdict is None:
        return "failed"
    if verdict.category == "delivered":
        return "delivered"
    if verdict.category in ("auto-reply", "feedback"):
        return "other"
    klass = verdict.code_class.value if verdict.code_class else None
    if klass == "transient":
        return "deferred"
    if klass == "success":
        return "delivered"
    return "failed"


@dataclass
class _Scanner:
    kind: str
    summary: Summary
    limits: Limits
    stdin: IO[bytes] | None
    progress: Callable[[str, float | None], None] | None
    # How much of the current file has been read (0 to 1), when that can be told.
    position: Callable[[], float] | None = None

    def report(self, name: str) -> None:
        """Call progress with the input's name and how much of it has been read, if known."""
        assert self.progress is not None
        done: float | None = None
        if self.position is not None:
            try:
                done = min(1.0, self.position())
            except (OSError, ValueError):
                done = None
        self.progress(name, done)

    def paths(self, paths: Iterable[str]) -> Generator[ScanItem, None, None]:
        for path in paths:
            if path == STDIN:
                yield from self.stdin_stream()
            elif os.path.isdir(path):
                yield from self.folder(path)
            else:
                yield from self.file(path, self.kind)

    def stdin_stream(self) -> Iterator[ScanItem]:
        stream = self.stdin
        if stream is None:
            import sys

            stream = sys.stdin.buffer
        self.summary.inputs += 1
        try:
            readable = _readable(stream, self.kind == "auto")
        except _NotText as exc:
            yield self.not_text(STDIN, str(exc))
            return
        except _READ_ERRORS as exc:
            yield self.unreadable(STDIN, _reason(exc))
            return
        yield from self.stream(STDIN, readable, self.kind)

    def file(self, path: str, kind: str) -> Iterator[ScanItem]:
        self.summary.inputs += 1
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below, after the generator is done
        except OSError as exc:
            yield self.unreadable(path, _reason(exc))
            return
        try:
            try:
                # A kind given (--as log) reads what it can of any input.
                readable = _readable(handle, self.kind == "auto")
                size = os.fstat(handle.fileno()).st_size
            except _NotText as exc:
                yield self.not_text(path, str(exc))
                return
            except _READ_ERRORS as exc:
                yield self.unreadable(path, _reason(exc))
                return
            # The file's own offset: for a compressed file, how much of the compressed data.
            ends = self.progress if size > 0 and kind != "email" else None
            if ends is not None:
                self.position = lambda: handle.tell() / size
                ends(path, 0.0)
            yield from self.stream(path, readable, kind)
            if ends is not None:
                ends(path, 1.0)
        finally:
            self.position = None
            handle.close()

    def stream(self, name: str, stream: IO[bytes], kind: str) -> Iterator[ScanItem]:
        head: list[bytes] = []
        data = b""
        try:
            if kind == "auto":
                kind, head = _sniff(stream, self.limits.max_line)
                if kind != "mbox" and _is_tracking_log(stream, head, self.limits.max_line):
                    kind = "exchange"
            if kind == "email":
                # One byte more than the limit tells parse_message that the message was cut.
                data = b"".join(head)
                data += limits_module.read_at_most(stream, self.limits.max_bytes + 1 - len(data))[0]
        except _READ_ERRORS as exc:
            yield self.unreadable(name, f"read error: {_reason(exc)}")
            return
        if kind == "email":
            yield from self.message(name, None, None, data)
            return
        pieces = _lines(stream, self.limits.max_line)
        lines = _chain(head, pieces) if head else pieces
        try:
            if kind == "mbox":
                yield from self.mbox(name, lines)
            else:
                yield from self.log(name, lines, TrackingLog() if kind == "exchange" else None)
        except _ReadError as exc:
            yield self.unreadable(name, f"read error: {exc}")

    def unreadable(self, name: str, reason: str) -> ScanItem:
        problem = ScanProblem(name, f"cannot read: {reason}", "unreadable")
        self.summary.add(problem)
        return problem

    def not_text(self, name: str, what: str) -> ScanItem:
        """An input that is not text: unreadable, like a missing file (named, exit status 2)."""
        problem = ScanProblem(name, what, "unreadable")
        self.summary.add(problem)
        return problem

    def folder(self, path: str) -> Iterator[ScanItem]:
        """Every file under a folder, as bounce.iter_files finds them; a Maildir's emails and
        .eml files are read as emails."""
        from smtpcodes.bounce import iter_files

        for file, problem, message in iter_files(path):
            if problem is not None:
                # A named pipe would wait for a writer forever; a socket or a device is no
                # file of mail. Named on the command line (scan <(zcat log.gz)), a pipe is read.
                self.summary.inputs += 1
                yield self.unreadable(file, problem)
                continue
            kind = self.kind
            if kind == "auto" and (message or file.lower().endswith(".eml")):
                kind = "email"
            yield from self.file(file, kind)

    # -- logs ----------------------------------------------------------------------------------

    def log(
        self, name: str, lines: Iterator[bytes], tracking: TrackingLog | None = None
    ) -> Iterator[ScanItem]:
        """The failures in a mail log; with `tracking`, an Exchange message tracking log."""
        summary = self.summary
        progress = self.progress
        number = 0
        counted = 0
        most = self.limits.max_line
        skipping = False  # inside the rest of an over-long line
        try:
            for raw in lines:
                if skipping:
                    skipping = not raw.endswith(b"\n")
                    continue
                number += 1
                if len(raw) >= most and not raw.endswith(b"\n"):
                    # The start of the line holds what a delivery line says (recipient, status,
                    # the reply's code): it is read; the rest is skipped without being held.
                    skipping = True
                    yield self.problem(
                        name,
                        number,
                        f"a line longer than {most:,} bytes; only the first {most:,} were read "
                        "(--max-line)",
                        "cut",
                    )
                if progress is not None and number % PROGRESS_EVERY == 0:
                    summary.lines += number - counted
                    counted = number
                    self.report(name)
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if tracking is not None:
                    yield from self.tracked(name, number, line, tracking)
                    continue
                # Successful deliveries are only counted, so they skip the parser (which reads
                # their reply as carefully as a failure's); the tests mirror parse_log_line's.
                if "status=" in line:
                    if "status=sent (" in line and " to=<" in line:
                        summary.deliveries += 1
                        summary.delivered += 1
                        continue
                elif ", stat=Sent" in line or (" => " in line and line[:1].isdigit()):
                    summary.deliveries += 1
                    summary.delivered += 1
                    continue
                try:
                    reply = parse_log_line(line)
                    if reply is None:
                        if "dsn=" in line:
                            # Postfix and Sendmail write dsn= on delivery lines only.
                            yield self.problem(name, number, "a delivery line that cannot be read")
                        continue
                    item = self.delivery(reply, name, number, None)
                except Exception as exc:
                    item = self.problem(name, number, f"{type(exc).__name__}: {exc}", "error")
                if item is not None:
                    yield item
        finally:
            summary.lines += number - counted

    def tracked(
        self, name: str, number: int, line: str, tracking: TrackingLog
    ) -> Iterator[ScanItem]:
        unjoined = tracking.unjoined
        replies = tracking.feed(line)
        if tracking.unjoined == 1 and not unjoined:
            yield self.problem(
                name,
                number,
                "Export-Csv wrote the recipients or their statuses as System.String[], so they are"
                " lost: export them joined (@{n='Recipients';e={$_.Recipients -join ';'}}, the"
                " same for RecipientStatus)",
            )
        if replies is None:
            if tracking.has_header:
                reason = "a message tracking row that cannot be read"
            else:
                reason = "a row before any #Fields line or CSV header: not a message tracking log?"
            yield self.problem(name, number, reason)
            return
        for reply in replies:
            try:
                item = self.delivery(reply, name, number, None)
            except Exception as exc:
                item = self.problem(name, number, f"{type(exc).__name__}: {exc}", "error")
            if item is not None:
                yield item

    def problem(
        self,
        name: str,
        line: int | None,
        reason: str,
        kind: str = "malformed",
        message: int | None = None,
    ) -> ScanProblem:
        problem = ScanProblem(name, reason, kind, line, message)
        self.summary.add(problem)
        return problem

    def delivery(
        self, reply: Reply, name: str, line: int | None, message: int | None
    ) -> ScanItem | None:
        """The record for one delivery report, or None for a success (counted, not yielded)."""
        summary = self.summary
        summary.deliveries += 1
        if reply.log_status in _DELIVERED:
            summary.delivered += 1
            return None
        verdict = diagnose_reply(reply)
        outcome = _outcome(reply, verdict)
        if outcome == "delivered":
            summary.delivered += 1
            return None
        if outcome == "other":
            summary.other += 1
            return None
        if verdict is None:
            what = "bounce" if message is not None or line is None else "failure"
            reason = f"a {what} with no SMTP code and no known reply text"
            return self.problem(name, line, reason, "unrecognised", message)
        record = ScanRecord(verdict, outcome, name, line, message)
        summary.add(record)
        return record

    # -- emails --------------------------------------------------------------------------------

    def mbox(self, name: str, lines: Iterator[bytes]) -> Iterator[ScanItem]:
        """Messages split on "From " lines after a blank line (or at the start), as mboxo/mboxrd."""
        current: list[bytes] = []
        size = 0
        # One byte more than the limit tells parse_message that the message was cut; the rest of
        # a huge message is skipped without being held.
        most = self.limits.max_bytes + 1
        start = 1
        index = 0
        previous_blank = True
        for number, line in enumerate(lines, start=1):
            if previous_blank and line.startswith(b"From "):
                if current:
                    index += 1
                    yield from self.message(name, index, start, b"".join(current))
                current = []
                size = 0
                start = number
            elif size < most:
                current.append(line[: most - size])
                size += len(line)
            previous_blank = line in (b"\n", b"\r\n")
        if current and any(line.strip() for line in current):
            index += 1
            yield from self.message(name, index, start, b"".join(current))

    def message(
        self, name: str, index: int | None, line: int | None, data: bytes
    ) -> Iterator[ScanItem]:
        from smtpcodes.bounce import parse_message

        summary = self.summary
        summary.messages += 1
        if self.progress is not None and summary.messages % 64 == 0:
            if index is None:
                # One email of a folder: how much of its file was read says nothing of the rest.
                self.progress(name, None)
            else:
                self.report(name)
        try:
            with limits_module.applied(self.limits) as report:
                replies = parse_message(data)
        except Exception as exc:
            yield self.problem(name, line, f"{type(exc).__name__}: {exc}", "error", index)
            return
        for cut in report.cuts:
            yield self.problem(name, line, cut.message, "cut", index)
        for reply in replies:
            if reply.message_kind is None:
                # An email that is no bounce, quoting a reply (bounce.parse_message): no
                # delivery of ours failed, so it is counted with the auto-replies (which count
                # as delivery reports, so that the parts add up to the deliveries).
                summary.deliveries += 1
                summary.other += 1
                continue
            try:
                item = self.delivery(reply, name, line, index)
            except Exception as exc:
                item = self.problem(name, line, f"{type(exc).__name__}: {exc}", "error", index)
            if item is not None:
                yield item


def scan(
    paths: Iterable[str] | str,
    *,
    kind: str = "auto",
    summary: Summary | None = None,
    stdin: IO[bytes] | None = None,
    progress: Callable[[str, float | None], None] | None = None,
    limits: Limits | None = None,
) -> Generator[ScanItem, None, None]:
    """Every failed or deferred delivery in the inputs, as it is found, and every problem met.

    `paths` are files, folders (searched recursively) or "-" for `stdin` (binary; default the
    process's standard input). `kind` forces how files are read: "log", "mbox" or "email"; "auto"
    decides from each input's first lines. `summary`, when given, is fed every line, delivery,
    record and problem. `progress` is called every few thousand lines and every few dozen messages
    with the current input's name and how much of that file has been read, from 0 to 1 (None when
    that cannot be told: standard input, a pipe, one email of a folder); a log or an mbox file
    also gets 0.0 when its reading starts and 1.0 when it is read to its end. `limits` (default: those in force, see smtpcodes.limits) bound
    what one line or one message may cost: max_line bytes of a log line, max_bytes of a message,
    max_parts MIME parts, max_depth levels and max_items recipients per message. Every cut is a
    ScanProblem of kind "cut"; what was read is still diagnosed.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [os.fsdecode(paths)]  # one path, not its characters one by one
    elif not hasattr(paths, "__iter__"):
        raise TypeError(f"scan() takes a path or paths, not {type(paths).__name__}")
    chosen = limits_module.checked(limits if limits is not None else limits_module.current())
    scanner = _Scanner(kind, summary if summary is not None else Summary(), chosen, stdin, progress)
    return scanner.paths(paths)


def summarize(
    paths: Iterable[str] | str, *, kind: str = "auto", stdin: IO[bytes] | None = None
) -> Summary:
    """The summary of a whole scan, without keeping its records."""
    summary = Summary()
    for _ in scan(paths, kind=kind, summary=summary, stdin=stdin):
        pass
    return summary
