"""The diagnosis knowledge base: categories, providers, text rules and vendor code meanings.

Everything lives in plain data files (data/categories.csv, providers.csv, rules.jsonl,
vendor-codes.csv); each entry carries its source and the date it was checked. Nothing is read or
compiled at import time: each file is loaded and validated on first use, and the rule matcher is
built on the first call to :func:`match_rules`.

Rules match case-insensitively. A regex rule must pass :func:`check_pattern`, which accepts only
a small, linear-time subset of Python's ``re`` syntax, so that no reply text (however hostile)
can make the matcher backtrack for long.
"""

from __future__ import annotations

import collections
import functools
import itertools
import json
import re
import sys
import types
from collections.abc import Iterable, Mapping
from typing import Any, Literal, NamedTuple, cast, get_args

from smtpcodes._data import read_csv, read_jsonl, read_text, write_generated

__all__ = [
    "CATEGORY_IDS",
    "CONFIDENCES",
    "MAX_REPEAT",
    "PARTIES",
    "PRIORITIES",
    "RETRY_VALUES",
    "STAGES",
    "Category",
    "Provider",
    "Rule",
    "RuleMatch",
    "VendorCode",
    "categories",
    "category",
    "check_pattern",
    "match_rules",
    "normalize_text",
    "patterns_compiled",
    "provider",
    "provider_for_host",
    "providers",
    "rules",
    "vendor_codes",
]

#: The category ids, in display order. They are a public JSON contract: never rename one.
CategoryId = Literal[
    "user-unknown",
    "mailbox-full",
    "mailbox-disabled",
    "mailbox-moved",
    "domain-unknown",
    "domain-rejects-mail",
    "recipient-filtered",
    "message-too-large",
    "spam-content",
    "virus",
    "content-rejected",
    "authentication",
    "reverse-dns",
    "blocklisted",
    "reputation",
    "rate-limited",
    "greylisted",
    "sender-rejected",
    "relay-denied",
    "policy",
    "tls-required",
    "auth-required",
    "network",
    "expired",
    "system-error",
    "system-full",
    "protocol",
    "mailer-error",
    "delivered",
    "auto-reply",
    "feedback",
    "suppressed",
    "undetermined",
]
CATEGORY_IDS: tuple[CategoryId, ...] = get_args(CategoryId)

#: Who must act. Categories that are not failures (delivered, auto-reply, feedback) have no party.
Party = Literal["sender", "sender-dns", "recipient", "receiving-site", "network"]
PARTIES: tuple[Party, ...] = get_args(Party)
#: yes: the normal retry will do; later: retry after waiting or fixing something;
#: no: do not resend as is.
Retry = Literal["yes", "later", "no"]
RETRY_VALUES: tuple[Retry, ...] = get_args(Retry)
Confidence = Literal["high", "medium", "low"]
CONFIDENCES: tuple[Confidence, ...] = get_args(Confidence)
#: A rule's optional stage: the sending MTA "gave-up" (stopped retrying) or the mail is "delayed".
STAGES: tuple[str, ...] = ("gave-up", "delayed")
#: Which rule wins when several match (higher first, then the longer match): 3 a token that reverses
#: what the rest of the text says, 2 provider code tokens, 1 provider wording, 0 text any MTA may
#: send, -1 broad fallbacks and wrappers whose real reason usually follows.
PRIORITIES: tuple[int, ...] = (3, 2, 1, 0, -1)
#: The largest repeat count a rule pattern may use ({0,MAX_REPEAT}); it bounds the work per
#: position of the text.
MAX_REPEAT = 300
#: A regex rule needs a literal of at least this length that every match contains (the pre-filter).
MIN_LITERAL = 3

_NON_BOUNCES = frozenset({"delivered", "auto-reply", "feedback"})
_DATE = r"\d{4}-\d{2}-\d{2}\Z"
_ENHANCED = r"[245]\.\d{1,3}\.\d{1,3}"
_CODE_SPEC = rf"{_ENHANCED}(?:-{_ENHANCED})?(?:/{_ENHANCED}(?:-{_ENHANCED})?)*\Z"
_REPLY_SPEC = r"[2-5]\d\d(?:/[2-5]\d\d)*\Z"
_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*\Z"
_FIELD_NAME = r"[!-9;-~]{1,76}\Z"
_FLAGS = re.IGNORECASE | re.ASCII


@functools.cache
def _rx(pattern: str) -> re.Pattern[str]:
    """A helper pattern, compiled on first use: importing this module compiles nothing."""
    return re.compile(pattern)


class Category(NamedTuple):
    """A diagnosis category: what a failure means, who must act and whether to retry."""

    id: CategoryId
    title: str
    description: str
    action: str
    party: Party | None
    retry: Retry
    sisimai: tuple[str, ...]
    ses_bounce_type: str
    ses_bounce_subtype: str
    source: str

    @property
    def sisimai_reason(self) -> str | None:
        """The canonical Sisimai reason name used when comparing with Sisimai, or None."""
        return self.sisimai[0] if self.sisimai else None

    @property
    def is_failure(self) -> bool:
        return self.id not in _NON_BOUNCES

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "action": self.action,
            "party": self.party or None,
            "retry": self.retry,
            "sisimai": list(self.sisimai),
            "ses_bounce_type": self.ses_bounce_type or None,
            "ses_bounce_subtype": self.ses_bounce_subtype or None,
            "source": self.source,
        }


class Provider(NamedTuple):
    """A mailbox provider, filtering service, blocklist or MTA whose texts the rules know."""

    id: str
    name: str
    hosts: tuple[str, ...]
    source: str
    checked: str

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "hosts": list(self.hosts),
            "source": self.source,
            "checked": self.checked,
        }


class Rule(NamedTuple):
    """A text rule: when ``match`` is found in a reply, the reply means ``category``.

    A header rule (``match_type`` "header") matches the value of the bounce email's header
    ``header`` instead: the value, stripped, equals ``match`` (case-insensitive).
    """

    id: str
    provider: str
    match: str
    match_type: str
    reply: str | None
    enhanced: str | None
    category: CategoryId
    retry: Retry
    party: Party | None
    meaning: str
    advice: str
    priority: int
    confidence: Confidence
    source: str
    checked: str
    #: What the text says about the sending side rather than the cause: "gave-up" (the MTA stopped
    #: retrying, RFC 3464 Action failed after transient errors) or "delayed" (it is still trying).
    stage: str | None = None
    #: For match_type "header": the header field name (as written in rules.jsonl).
    header: str | None = None

    def to_json(self) -> dict[str, object]:
        """The rule as in data/rules.jsonl."""
        return {
            "id": self.id,
            "provider": self.provider,
            "match": self.match,
            "match_type": self.match_type,
            "reply": self.reply,
            "enhanced": self.enhanced,
            "category": self.category,
            "retry": self.retry,
            "party": self.party or None,
            "meaning": self.meaning,
            "advice": self.advice,
            "priority": self.priority,
            "confidence": self.confidence,
            "source": self.source,
            "checked": self.checked,
            **({"stage": self.stage} if self.stage else {}),
            **({"header": self.header} if self.header else {}),
        }


class RuleMatch(NamedTuple):
    """A rule that matched, with the text it matched (from :func:`normalize_text` of the input)."""

    rule: Rule
    matched: str

    def to_json(self) -> dict[str, object]:
        return {"rule": self.rule.id, "matched": self.matched}


class VendorCode(NamedTuple):
    """A provider's own meaning for an enhanced code (or a range of them) that it sends."""

    code: str
    provider: str
    meaning: str
    category: str
    advice: str
    source: str
    checked: str
    confidence: str
    first: tuple[int, int, int]
    last: tuple[int, int, int]

    def covers(self, code: tuple[int, int, int]) -> bool:
        """Whether an enhanced code, as (class, subject, detail), is this code or in its range."""
        return self.first <= code <= self.last

    @property
    def is_range(self) -> bool:
        return self.first != self.last

    def to_json(self) -> dict[str, object]:
        return {
            "provider": self.provider,
            "code": self.code,
            "meaning": self.meaning,
            "category": self.category,
            "advice": self.advice,
            "source": self.source,
            "checked": self.checked,
            "confidence": self.confidence,
        }


# --------------------------------------------------------------------------------------------
# Loading


class _DataError(ValueError):
    def __init__(self, name: str, line: int, message: str) -> None:
        super().__init__(f"{name}:{line}: {message}")


def _require(ok: bool, name: str, line: int, message: str) -> None:
    if not ok:
        raise _DataError(name, line, message)


@functools.cache
def categories() -> Mapping[str, Category]:
    """Every category by id, in the order of :data:`CATEGORY_IDS`."""
    name = "categories.csv"
    found: dict[str, Category] = {}
    for line, row in enumerate(read_csv(name), start=2):
        cid = row["id"]
        _require(cid in CATEGORY_IDS, name, line, f"unknown category id {cid!r}")
        _require(cid not in found, name, line, f"duplicate category id {cid!r}")
        party = row["party"]
        if cid in _NON_BOUNCES:
            _require(party == "", name, line, f"{cid} has no party")
        else:
            _require(party in PARTIES, name, line, f"bad party {party!r}")
        _require(row["retry"] in RETRY_VALUES, name, line, f"bad retry {row['retry']!r}")
        for field in ("title", "description", "action", "source"):
            _require(bool(row[field].strip()), name, line, f"empty {field}")
        found[cid] = Category(
            id=cast(CategoryId, cid),  # each checked above against its Literal
            title=row["title"],
            description=row["description"],
            action=row["action"],
            party=cast(Party, party) if party else None,
            retry=cast(Retry, row["retry"]),
            sisimai=tuple(row["sisimai"].split()),
            ses_bounce_type=row["ses_bounce_type"],
            ses_bounce_subtype=row["ses_bounce_subtype"],
            source=row["source"],
        )
    missing = [cid for cid in CATEGORY_IDS if cid not in found]
    _require(not missing, name, 0, f"missing categories {missing}")
    return types.MappingProxyType({cid: found[cid] for cid in CATEGORY_IDS})


def category(category_id: str) -> Category:
    """The category with this id; KeyError if there is none."""
    return categories()[category_id]


@functools.cache
def providers() -> Mapping[str, Provider]:
    """Every provider by id, in file order."""
    name = "providers.csv"
    found: dict[str, Provider] = {}
    for line, row in enumerate(read_csv(name), start=2):
        pid = row["id"]
        _require(bool(_rx(_SLUG).match(pid)), name, line, f"bad provider id {pid!r}")
        _require(pid not in found, name, line, f"duplicate provider id {pid!r}")
        _require(bool(row["name"].strip()), name, line, "empty name")
        _require(bool(row["source"].strip()), name, line, "empty source")
        _require(bool(_rx(_DATE).match(row["checked"])), name, line, "checked is not YYYY-MM-DD")
        hosts = tuple(h.lower().strip(".") for h in row["hosts"].split())
        found[pid] = Provider(pid, row["name"], hosts, row["source"], row["checked"])
    return types.MappingProxyType(found)


def provider(provider_id: str) -> Provider:
    """The provider with this id; KeyError if there is none."""
    return providers()[provider_id]


@functools.cache
def _host_suffixes() -> Mapping[str, Provider]:
    by_suffix: dict[str, Provider] = {}
    for prov in providers().values():
        for host in prov.hosts:
            by_suffix.setdefault(host, prov)
    return by_suffix


def provider_for_host(host: str) -> Provider | None:
    """The provider whose host suffix ends the host name on a dot boundary; the longest suffix wins.

    ``gmail-smtp-in.l.google.com`` -> gmail; ``x.olc.protection.outlook.com`` -> outlook-com, while
    ``x.mail.protection.outlook.com`` -> microsoft365. Case and a trailing dot do not matter.
    """
    name = host.strip().strip(".").lower()
    if not name:
        return None
    table = _host_suffixes()
    # Walk from the full name towards the shortest suffix, so the longest suffix is found first.
    while True:
        found = table.get(name)
        if found is not None:
            return found
        dot = name.find(".")
        if dot < 0:
            return None
        name = name[dot + 1 :]


def _optional(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@functools.cache
def rules() -> tuple[Rule, ...]:
    """Every text rule, in file order, validated (ids, categories, patterns, sources, dates)."""
    name = "rules.jsonl"
    known_providers = providers()
    known_categories = categories()
    seen: set[str] = set()
    loaded: list[Rule] = []
    for line, obj in enumerate(read_jsonl(name), start=1):
        rid = obj.get("id", "")
        _require(
            isinstance(rid, str) and bool(_rx(_SLUG).match(rid)), name, line, f"bad id {rid!r}"
        )
        _require(rid not in seen, name, line, f"duplicate id {rid!r}")
        seen.add(rid)
        _require(obj.get("provider") in known_providers, name, line, "unknown provider")
        _require(obj.get("category") in known_categories, name, line, "unknown category")
        _require(obj.get("retry") in RETRY_VALUES, name, line, "bad retry")
        cat = known_categories[obj["category"]]
        party = obj.get("party", "")
        if cat.is_failure:
            _require(party in PARTIES, name, line, f"bad party {party!r}")
        else:
            _require(party in ("", *PARTIES), name, line, f"bad party {party!r}")
        priority = obj.get("priority")
        _require(type(priority) is int and priority in PRIORITIES, name, line, "bad priority")
        assert isinstance(priority, int)
        _require(obj.get("confidence") in CONFIDENCES, name, line, "bad confidence")
        match_type = str(obj.get("match_type"))
        match = obj.get("match", "")
        # A header's whole value is compared, so a short one ("NG") is as precise as a long one.
        shortest = 1 if match_type == "header" else MIN_LITERAL
        _require(isinstance(match, str) and len(match.strip()) >= shortest, name, line, "match")
        if match_type == "regex":
            # The safety analysis only; compiling waits for the first text the pre-filter lets
            # through (tests compile every pattern through check_pattern).
            try:
                _analyse(match)
            except _Unsafe as exc:
                raise _DataError(name, line, f"unsafe pattern: {exc}") from None
        elif match_type == "header":
            # RFC 5322 section 2.2: a field name is printable US-ASCII other than the colon.
            header = obj.get("header")
            _require(
                isinstance(header, str) and bool(_rx(_FIELD_NAME).match(header)),
                name,
                line,
                f"bad header {header!r}",
            )
        else:
            _require(match_type == "substring", name, line, f"bad match_type {match_type!r}")
        if match_type != "header":
            _require("header" not in obj, name, line, "header without match_type 'header'")
        reply, enhanced = _optional(obj.get("reply")), _optional(obj.get("enhanced"))
        _require(reply is None or bool(_rx(_REPLY_SPEC).match(reply)), name, line, "bad reply")
        _require(
            enhanced is None or bool(_rx(_CODE_SPEC).match(enhanced)), name, line, "bad enhanced"
        )
        for field in ("meaning", "advice", "source"):
            _require(bool(str(obj.get(field, "")).strip()), name, line, f"empty {field}")
        stage = obj.get("stage")
        _require(stage in (None, *STAGES), name, line, f"bad stage {stage!r}")
        _require(
            bool(_rx(_DATE).match(str(obj.get("checked", "")))), name, line, "bad checked date"
        )
        loaded.append(
            Rule(
                id=rid,
                provider=obj["provider"],
                match=match,
                match_type=match_type,
                reply=reply,
                enhanced=enhanced,
                category=obj["category"],
                retry=obj["retry"],
                party=party or None,
                meaning=obj["meaning"],
                advice=obj["advice"],
                priority=priority,
                confidence=obj["confidence"],
                source=obj["source"],
                checked=obj["checked"],
                stage=stage,
                header=obj.get("header"),
            )
        )
    return tuple(loaded)


@functools.cache
def _header_rules() -> dict[str, tuple[Rule, ...]]:
    by_name: dict[str, list[Rule]] = {}
    for rule in rules():
        if rule.header is not None:
            by_name.setdefault(rule.header.lower(), []).append(rule)
    return {name: tuple(found) for name, found in by_name.items()}


@functools.cache
def header_names() -> tuple[str, ...]:
    """The lower-case names of the email headers that header rules read, sorted (every bounce
    read asks, so the answer is made once)."""
    return tuple(sorted(_header_rules()))


def match_headers(headers: Iterable[tuple[str, str]]) -> list[RuleMatch]:
    """The header rules that ``headers`` (lower-case name, value) satisfy, matched as
    ``Name: value``."""
    found: list[RuleMatch] = []
    for name, value in headers:
        value = value.strip()
        for rule in _header_rules().get(name, ()):
            if value.lower() == rule.match.lower():
                found.append(RuleMatch(rule, f"{rule.header}: {value}"))
    return found


def _parse_code(text: str) -> tuple[int, int, int] | None:
    parts = text.strip().split(".")
    if len(parts) != 3 or not all(p.isdigit() and p.isascii() for p in parts):
        return None
    cls, subject, detail = (int(p) for p in parts)
    if cls not in (2, 4, 5) or len(parts[1]) > 3 or len(parts[2]) > 3:
        return None
    return cls, subject, detail


@functools.cache
def _vendor_table() -> tuple[VendorCode, ...]:
    name = "vendor-codes.csv"
    known_providers = providers()
    table: list[VendorCode] = []
    for line, row in enumerate(read_csv(name), start=2):
        first_text, _, last_text = row["code"].partition("-")
        first = _parse_code(first_text)
        last = _parse_code(last_text) if last_text else first
        _require(first is not None and last is not None, name, line, f"bad code {row['code']!r}")
        assert first is not None and last is not None
        _require(first[:2] == last[:2] and first <= last, name, line, "range crosses class/subject")
        _require(row["provider"] in known_providers, name, line, "unknown provider")
        _require(row["category"] in categories(), name, line, "unknown category")
        _require(row["confidence"] in CONFIDENCES, name, line, "bad confidence")
        _require(bool(_rx(_DATE).match(row["checked"])), name, line, "bad checked date")
        for field in ("meaning", "advice", "source"):
            _require(bool(row[field].strip()), name, line, f"empty {field}")
        table.append(
            VendorCode(
                code=row["code"],
                provider=row["provider"],
                meaning=row["meaning"],
                category=row["category"],
                advice=row["advice"],
                source=row["source"],
                checked=row["checked"],
                confidence=row["confidence"],
                first=first,
                last=last,
            )
        )
    return tuple(table)


def vendor_codes(code: str) -> list[VendorCode]:
    """Providers' own meanings for an enhanced code as sent (``5.7.708``), exact entries first.

    A range entry (``5.7.606-5.7.649``) covers the codes of the same class and subject between its
    ends. A string that is not an enhanced code gives an empty list.
    """
    parsed = _parse_code(code)
    if parsed is None:
        return []
    found = [v for v in _vendor_table() if v.covers(parsed)]
    found.sort(key=lambda v: v.last[2] - v.first[2])
    return found


# --------------------------------------------------------------------------------------------
# Pattern safety: a whitelist parser for the regex subset rules may use


class _Unsafe(Exception):
    pass


_ALL = frozenset(range(128))
_DIGITS = frozenset(range(ord("0"), ord("9") + 1))
_SPACE = frozenset(map(ord, " \t\n\r\f\v"))
_WORDCH = frozenset(
    [*range(ord("a"), ord("z") + 1), *range(ord("A"), ord("Z") + 1), *_DIGITS, ord("_")]
)
_ESCAPE_SETS: dict[str, tuple[frozenset[int], bool]] = {
    # (ASCII members, whether it also matches non-ASCII characters)
    "d": (_DIGITS, False),
    "D": (_ALL - _DIGITS, True),
    "s": (_SPACE, False),
    "S": (_ALL - _SPACE, True),
    "w": (_WORDCH, False),
    "W": (_ALL - _WORDCH, True),
}
_ZERO_WIDTH_ESCAPES = frozenset("bBAZ")
_LITERAL_ESCAPES = frozenset(".^$*+?()[]{}|\\/-#:@!%&=,;'\"<>~`_ ")
_CONTROL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}


# The parser's node types are plain slotted classes: a dataclass costs about a millisecond of
# import time each, and this module is imported on every CLI start.


class _CharSet:
    __slots__ = ("ascii", "other")

    def __init__(self, ascii: frozenset[int], other: bool) -> None:
        self.ascii = ascii
        self.other = other  # matches some non-ASCII characters too

    def overlaps(self, other: _CharSet) -> bool:
        return bool(self.ascii & other.ascii) or (self.other and other.other)

    def union(self, other: _CharSet) -> _CharSet:
        return _CharSet(self.ascii | other.ascii, self.other or other.other)


def _fold(chars: Iterable[int]) -> frozenset[int]:
    # Patterns run with IGNORECASE | ASCII: a letter stands for both of its cases.
    folded: set[int] = set()
    for c in chars:
        folded.add(c)
        ch = chr(c)
        if ch.isascii() and ch.isalpha():
            folded.add(ord(ch.lower()))
            folded.add(ord(ch.upper()))
    return frozenset(folded)


class _Atom:
    __slots__ = ("chars", "literal")

    def __init__(self, chars: _CharSet, literal: str | None) -> None:
        self.chars = chars
        self.literal = literal  # the character when the atom is one plain character


@functools.cache
def _literal_atom(ch: str) -> _Atom:
    return _Atom(_CharSet(_fold([ord(ch)]), not ch.isascii()), ch)


class _Group:
    __slots__ = ("branches",)

    def __init__(self, branches: tuple[tuple[_Item, ...], ...]) -> None:
        self.branches = branches


class _ZeroWidth:
    __slots__ = ("lookahead", "word_boundary")

    def __init__(self, lookahead: _Group | None, word_boundary: bool = False) -> None:
        self.lookahead = lookahead  # the assertion's content when it is a lookahead
        self.word_boundary = word_boundary  # \\b


class _Item:
    __slots__ = ("high", "low", "node")

    def __init__(self, node: _Atom | _Group | _ZeroWidth, low: int, high: int) -> None:
        self.node = node
        self.low = low
        self.high = high


class _PatternParser:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0

    def fail(self, message: str) -> _Unsafe:
        return _Unsafe(f"{message} at offset {self.i}")

    def peek(self) -> str:
        return self.p[self.i] if self.i < len(self.p) else ""

    def take(self) -> str:
        ch = self.peek()
        if not ch:
            raise self.fail("unexpected end of pattern")
        self.i += 1
        return ch

    def parse(self) -> _Group:
        group = self.alternation()
        if self.i != len(self.p):
            raise self.fail(f"unexpected {self.peek()!r}")
        return group

    def alternation(self) -> _Group:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence())
        return _Group(tuple(branches))

    def sequence(self) -> tuple[_Item, ...]:
        items: list[_Item] = []
        while self.peek() not in ("", "|", ")"):
            node = self.atom()
            low, high = self.quantifier()
            if isinstance(node, _ZeroWidth) and (low, high) != (1, 1):
                raise self.fail("quantified assertion")
            items.append(_Item(node, low, high))
        return tuple(items)

    def quantifier(self) -> tuple[int, int]:
        ch = self.peek()
        if ch in ("*", "+"):
            raise self.fail(f"unbounded quantifier {ch!r}; use {{0,N}} with N <= {MAX_REPEAT}")
        if ch == "?":
            self.i += 1
            low, high = 0, 1
        elif ch == "{":
            close = self.p.find("}", self.i)
            body = self.p[self.i + 1 : close] if close > 0 else ""
            match = re.fullmatch(r"(\d{0,4})(,(\d{0,4}))?", body)
            if close < 0 or match is None:
                raise self.fail("bad repeat")
            self.i = close + 1
            low = int(match.group(1) or 0)
            if match.group(2) is None:
                high = low
            elif match.group(3):
                high = int(match.group(3))
            else:
                raise self.fail(f"unbounded repeat; use {{{low},N}} with N <= {MAX_REPEAT}")
            if high < low or high > MAX_REPEAT:
                raise self.fail(f"repeat bound must be <= {MAX_REPEAT}")
        else:
            return 1, 1
        if self.peek() == "?":  # lazy: same worst case
            self.i += 1
        if self.peek() in ("*", "+", "?", "{"):
            raise self.fail("nested quantifier")
        return low, high

    def atom(self) -> _Atom | _Group | _ZeroWidth:
        ch = self.take()
        if ch == "(":
            lookahead = False
            if self.p.startswith("?:", self.i):
                self.i += 2
            elif self.p.startswith("?=", self.i) or self.p.startswith("?!", self.i):
                self.i += 2
                lookahead = True
            elif self.peek() == "?":
                raise self.fail("unsupported group type")
            group = self.alternation()
            if self.take() != ")":
                raise self.fail("missing )")
            return _ZeroWidth(group) if lookahead else group
        if ch in ("^", "$"):
            return _ZeroWidth(None)
        if ch == ".":
            return _Atom(_CharSet(_ALL - {ord("\n")}, True), None)
        if ch == "[":
            return self.char_class()
        if ch == "\\":
            return self.escape()
        if ch in ("*", "+", "?", "{"):
            raise self.fail(f"nothing to repeat before {ch!r}")
        if ch in (")", "]", "}"):
            raise self.fail(f"unbalanced {ch!r}")
        return _literal_atom(ch)

    def escape(self) -> _Atom | _ZeroWidth:
        ch = self.take()
        if ch in _ZERO_WIDTH_ESCAPES:
            return _ZeroWidth(None, word_boundary=ch == "b")
        if ch in _ESCAPE_SETS:
            members, other = _ESCAPE_SETS[ch]
            return _Atom(_CharSet(members, other), None)
        if ch in _CONTROL_ESCAPES:
            lit = _CONTROL_ESCAPES[ch]
            return _Atom(_CharSet(frozenset([ord(lit)]), False), lit)
        if ch in _LITERAL_ESCAPES:
            return _literal_atom(ch)
        raise self.fail(f"unsupported escape \\{ch}")

    def char_class(self) -> _Atom:
        negate = self.peek() == "^"
        if negate:
            self.i += 1
        members: set[int] = set()
        other = False
        first = True
        while True:
            ch = self.take()
            if ch == "]" and not first:
                break
            first = False
            if ch == "[":
                raise self.fail("nested class")
            if ch == "\\":
                esc = self.take()
                if esc in _ESCAPE_SETS:
                    extra, extra_other = _ESCAPE_SETS[esc]
                    members |= extra
                    other = other or extra_other
                    continue
                if esc in _CONTROL_ESCAPES:
                    ch = _CONTROL_ESCAPES[esc]
                elif esc in _LITERAL_ESCAPES:
                    ch = esc
                else:
                    raise self.fail(f"unsupported escape \\{esc} in class")
            if self.peek() == "-" and self.p[self.i + 1 : self.i + 2] not in ("]", ""):
                self.i += 1
                end = self.take()
                if end == "\\":
                    end = self.take()
                    if end not in _LITERAL_ESCAPES:
                        raise self.fail("unsupported range end")
                if ord(end) < ord(ch):
                    raise self.fail("bad range")
                span = range(ord(ch), ord(end) + 1)
                members |= {c for c in span if c < 128}
                other = other or ord(end) >= 128
            else:
                if ord(ch) < 128:
                    members.add(ord(ch))
                else:
                    other = True
        folded = _fold(members)
        if negate:
            return _Atom(_CharSet(_ALL - folded, True), None)
        return _Atom(_CharSet(folded, other), None)


def _check_linear(items: tuple[_Item, ...], pending: _CharSet | None) -> _CharSet | None:
    """Reject a variable-length repeat that can take characters an earlier open repeat could take.

    ``pending`` is what an earlier repeat of variable length could still absorb; it stays open
    until a required character it cannot match. Two repeats over the same characters with no
    such character between them (``.{0,99}\\s{0,9}``, ``.{0,99}a.{0,99}``) make the engine try
    every split between them, which multiplies their bounds.
    """
    for item in items:
        node = item.node
        if isinstance(node, _ZeroWidth):
            if node.lookahead is not None:
                for branch in node.lookahead.branches:
                    _check_linear(branch, None)
            continue
        if isinstance(node, _Group):
            if item.high > 1:
                raise _Unsafe("repeated group; repeat single characters or classes only")
            outs = [_check_linear(branch, pending) for branch in node.branches]
            if item.low == 0:
                outs.append(pending)
            merged: _CharSet | None = None
            for out in outs:
                if out is not None:
                    merged = out if merged is None else merged.union(out)
            pending = merged
            continue
        chars = node.chars
        if item.high > 1 and item.low != item.high:
            if pending is not None and pending.overlaps(chars):
                raise _Unsafe("adjacent repeats can match the same characters")
            pending = chars if item.low >= 1 or pending is None else pending.union(chars)
        elif item.low == 0:
            pending = None if pending is None else pending.union(chars)
        elif pending is not None and not pending.overlaps(chars):
            # A character the open repeat cannot take ends it: the split point is fixed.
            pending = None
    return pending


# A required literal: its lower-cased text and whether a word boundary (\\b) holds at its start
# and at its end, which lets a whole-word lookup stand in for the substring test.
_Lit = tuple[str, bool, bool]
_MAX_EXPANSION = 32


def _pure_literal(group: _Group) -> list[str] | None:
    """The strings of a group whose branches are plain literal characters, like (?:OFR|LPN)."""
    found: list[str] = []
    for branch in group.branches:
        chars: list[str] = []
        for item in branch:
            node = item.node
            if not isinstance(node, _Atom) or node.literal is None or item.low != item.high:
                return None
            chars.append(node.literal * item.low)
        found.append("".join(chars).lower())
    return found


def _required_literals(
    branch: tuple[_Item, ...], left_ctx: bool, right_ctx: bool
) -> frozenset[_Lit] | None:
    """Strings of which every match of the branch contains at least one, or None if there are none.

    Of the sets :func:`_literal_sets` finds, the best is kept: one whose strings all hold a whole
    word, then the longest shortest string.
    """
    candidates = _literal_sets(branch, left_ctx, right_ctx)
    if not candidates:
        return None
    return max(candidates, key=_literal_set_rank)


def _literal_set_rank(found: frozenset[_Lit]) -> tuple[bool, int, int]:
    return (
        all(_anchor_word(lit) is not None for lit in found),
        min(len(text) for text, _, _ in found),
        -len(found),
    )


def _literal_sets(
    branch: tuple[_Item, ...], left_ctx: bool, right_ctx: bool
) -> list[frozenset[_Lit]]:
    """Sets of strings such that every match of the branch contains one string of each set.

    Runs of literal characters are joined, through small literal alternations (``IB(?:504|607)``
    gives ib504 and ib607); a group gives the union of what its branches require.
    """

    def boundary(index: int, step: int, ctx: bool) -> bool:
        j = index + step
        while 0 <= j < len(branch):
            node = branch[j].node
            if not isinstance(node, _ZeroWidth):
                return False
            if node.word_boundary:
                return True
            j += step
        return ctx

    candidates: list[frozenset[_Lit]] = []
    run: list[str] = []
    span = [0, 0]  # indexes of the run's first and last items

    def flush() -> None:
        if run and any(run):
            left, right = boundary(span[0], -1, left_ctx), boundary(span[1], 1, right_ctx)
            candidates.append(frozenset((text, left, right) for text in run))
        run.clear()

    for index, item in enumerate(branch):
        node = item.node
        if isinstance(node, _ZeroWidth):
            continue
        strings: list[str] | None = None
        if isinstance(node, _Atom) and node.literal is not None and item.low == item.high >= 1:
            strings = [(node.literal * item.low).lower()]
        elif isinstance(node, _Atom) and node.literal is not None and item.high == 1:
            strings = [node.literal.lower(), ""]  # an optional character: x?
        elif isinstance(node, _Group) and item.high == 1:
            strings = _pure_literal(node)
            if strings is not None and item.low == 0:
                strings = [*strings, ""]
        if strings is not None and len(run or [""]) * len(strings) <= _MAX_EXPANSION:
            if not run:
                run.append("")
                span[0] = index
            run[:] = [head + tail for head in run for tail in strings]
            span[1] = index
            continue
        flush()
        if isinstance(node, _Group) and item.low >= 1:
            found = _group_literals(
                node, boundary(index, -1, left_ctx), boundary(index, 1, right_ctx)
            )
            if found is not None:
                candidates.append(found)
    flush()
    return [c for c in candidates if all(text for text, _, _ in c)]


def _group_literals(group: _Group, left_ctx: bool, right_ctx: bool) -> frozenset[_Lit] | None:
    union: set[_Lit] = set()
    for branch in group.branches:
        found = _required_literals(branch, left_ctx, right_ctx)
        if found is None:
            return None
        union |= found
    return frozenset(union)


@functools.lru_cache(maxsize=1024)
def _analyse(pattern: str) -> frozenset[_Lit]:
    """The required literals of a pattern our parser accepts; raises _Unsafe otherwise.

    A pattern of data/rules.jsonl was analysed when the data was written (see PATTERN_INDEX);
    any other, or one edited since, is analysed and checked here.
    """
    known = _pattern_index().get(pattern)
    return known[0] if known is not None else _analyse_fresh(pattern)


def _analyse_fresh(pattern: str) -> frozenset[_Lit]:
    tree = _PatternParser(pattern).parse()
    for branch in tree.branches:
        _check_linear(branch, None)
    literals = _group_literals(tree, False, False)
    if literals is None or min(len(text.strip()) for text, _, _ in literals) < MIN_LITERAL:
        raise _Unsafe(
            f"needs a literal of {MIN_LITERAL}+ characters that every match contains "
            "(in each alternative), for the pre-filter"
        )
    return literals


# Per top-level branch of a pattern, sets of strings: see _requirements.
_Requirements = tuple[tuple[tuple[str, ...], ...], ...]


@functools.lru_cache(maxsize=1024)
def _requirements(pattern: str) -> _Requirements | None:
    """Per top-level branch of a checked pattern, sets of strings each match contains one of
    (from PATTERN_INDEX when the pattern is there): see _requirements_fresh."""
    known = _pattern_index().get(pattern)
    return known[1] if known is not None else _requirements_fresh(pattern)


def _requirements_fresh(pattern: str) -> _Requirements | None:
    """Per top-level branch of a checked pattern, sets of strings each match contains one of.

    The pre-filter looks for one set per branch only (the best one); when some branch has more,
    they say more: ``\\b(?:user|recipient) (?:disabled|locked)`` needs "disabled" or "locked"
    too, which common words like "recipient" cannot stand in for. None when they add nothing.

    A text that fails them cannot match, so skipping its search changes no result. That holds
    for ASCII sets only, the ones kept: lower-casing the text turns the ASCII letters a match
    took into the form the set has (a non-ASCII one can depend on its neighbours, like a final
    sigma).
    """
    found: list[tuple[tuple[str, ...], ...]] = []
    for branch in _PatternParser(pattern).parse().branches:
        kept: list[tuple[str, ...]] = []
        for lits in _literal_sets(branch, False, False):
            texts = sorted({text for text, _, _ in lits}, key=lambda t: (len(t), t))
            if all(text.isascii() for text in texts):
                # A string holding a shorter one of the set is there only when that one is.
                shortest = [t for i, t in enumerate(texts) if not any(u in t for u in texts[:i])]
                kept.append(tuple(shortest))
        # Each string costs a scan of the text: small sets first, then the one with longer
        # (rarer) strings, the likelier to be missing.
        kept.sort(key=lambda texts: (len(texts), -len(texts[0])))
        found.append(tuple(kept))
    return tuple(found) if any(len(sets) > 1 for sets in found) else None


# What _analyse and _requirements give for every regex of data/rules.jsonl, worked out when the
# data was written, so loading the rules does not parse some 250 patterns in Python (most of the
# time the first diagnosis of a process took). Keyed by the pattern's text: a pattern added or
# edited since is analysed, and checked, at load as before. Generated by
# python -m smtpcodes.kb data/rule-patterns.json; a test rebuilds it and compares.
PATTERN_INDEX = "rule-patterns.json"


@functools.cache
def _pattern_index() -> dict[str, tuple[frozenset[_Lit], _Requirements | None]]:
    try:
        data = json.loads(read_text(PATTERN_INDEX))
    except (OSError, ValueError):
        return {}
    index: dict[str, tuple[frozenset[_Lit], _Requirements | None]] = {}
    for pattern, entry in data["patterns"].items():
        literals = frozenset((text, left, right) for text, left, right in entry["literals"])
        needs = entry["requirements"]
        requirements = (
            None
            if needs is None
            else tuple(tuple(tuple(texts) for texts in branch) for branch in needs)
        )
        index[pattern] = (literals, requirements)
    return index


def build_pattern_index() -> str:
    """The text of data/rule-patterns.json, from the regexes of data/rules.jsonl."""
    patterns = sorted({rule.match for rule in rules() if rule.match_type == "regex"})
    entries = {
        pattern: {
            "literals": sorted(_analyse_fresh(pattern)),
            "requirements": _requirements_fresh(pattern),
        }
        for pattern in patterns
    }
    header = "generated by: python -m smtpcodes.kb data/rule-patterns.json (do not edit)"
    # One pattern a line, so a change to the rules shows as a change to their lines.
    lines = [
        f"{json.dumps(pattern, ensure_ascii=False)}:"
        f"{json.dumps(entry, ensure_ascii=False, separators=(',', ':'))}"
        for pattern, entry in entries.items()
    ]
    body = ",\n".join(lines)
    return f'{{"comment":{json.dumps(header)},\n"patterns":{{\n{body}\n}}}}\n'


def check_pattern(pattern: str) -> str | None:
    """Why a rule regex is unsafe or unusable, or None when it is fine.

    Accepted: literals, escapes, classes, ``.``, groups ``(...)`` ``(?:...)``, lookaheads,
    alternation, anchors, and the quantifiers ``?`` and ``{m,n}`` with n <= :data:`MAX_REPEAT`.
    Refused: ``*``, ``+`` and ``{m,}`` (unbounded), repeated groups (``(ab){2,5}``, the road to
    nested quantifiers), two variable repeats in a row that can take the same characters
    (``[^x]{0,99}\\s{0,9}``), back-references, lookbehinds and inline flags, and any pattern with
    no literal of 3+ characters that every match contains.
    """
    try:
        re.compile(pattern, _FLAGS)
    except re.error as exc:
        return f"does not compile: {exc}"
    try:
        _analyse_fresh(pattern)
    except _Unsafe as exc:
        return str(exc)
    return None


# --------------------------------------------------------------------------------------------
# Matching

_CONT_MIDLINE = rf"(?<=\s)[245]\d\d-{_ENHANCED}[ \t]"
# Whether the text has what every _CONT_MIDLINE match contains ([245]\d\d-). A pattern that starts
# with a look-behind is tried everywhere, and even a leading class costs a step per character;
# a leading literal is found by a fast string search, and the look-behind then checks the code.
_CONT_MIDLINE_HINT = r"-(?<=[245]\d\d-)"
_CONT_LINE = rf"[ \t]*[245]\d\d[- ](?:{_ENHANCED}[ \t])?"
_MULTI_FIRST = r"[ \t]*[245]\d\d-"
_SPACES = r"\s+"
_WORD = r"[a-z0-9]+"
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def normalize_text(text: str) -> str:
    """The text rules are matched against: multi-line reply prefixes removed, whitespace collapsed.

    In a multi-line reply (RFC 5321 section 4.2.1) every line after a ``550-...`` line starts
    again with the code; that prefix is dropped so sentences split over lines match. A flattened
    reply keeps ``550-5.7.1 `` markers mid-line; those are dropped too. The first line keeps its
    code.
    """
    lines = text.splitlines()
    if len(lines) > 1:
        kept = [lines[0]]
        for previous, line in itertools.pairwise(lines):
            prefix = _rx(_CONT_LINE).match(line) if _rx(_MULTI_FIRST).match(previous) else None
            if prefix is not None:
                line = line[prefix.end() :]
            kept.append(line)
        text = " ".join(kept)
    if _rx(_CONT_MIDLINE_HINT).search(text) is not None:
        text = _rx(_CONT_MIDLINE).sub("", text)
    # str.split() splits on exactly the characters \s matches (str.isspace), several times faster.
    return " ".join(text.split())


class _Matcher:
    __slots__ = (
        "always",
        "anchors",
        "by_word",
        "needles",
        "other_always",
        "patterns",
        "tests",
        "word_bytes",
    )

    def __init__(
        self,
        by_word: Mapping[
            bytes,
            tuple[
                frozenset[int],
                tuple[tuple[str, int], ...],
                tuple[tuple[str | None, int, frozenset[bytes]], ...],
            ],
        ],
        always: tuple[tuple[str, int], ...],
        other_always: tuple[tuple[str, int], ...],
        needles: Mapping[int, str],
        patterns: Mapping[int, str],
    ) -> None:
        # Per whole word of a literal, what the word lets through (see _matcher), split by the
        # tests left so that each entry runs only its own test (one Python-level step less each,
        # 35 entries a log reply): the rules that word alone lets through (the literal is just
        # that word, needing no other); (literal, rule index) needing only a substring test;
        # (literal, rule index, other words) needing the other words to be whole words of the
        # text too, then the substring test unless the literal is None (that word is all of
        # it). Words are bytes: see _match_rules.
        self.by_word = by_word
        self.anchors = frozenset(by_word)
        # (literal, rule index) checked for every text: literals holding no whole word. An ASCII
        # text cannot contain a non-ASCII literal, so those are only tried on the other texts.
        self.always = always
        self.other_always = other_always
        self.needles = needles
        self.patterns = patterns
        # Rule index -> (needle, compiled pattern, requirements, rule), filled for a rule the
        # first time it is a candidate: one dict lookup per candidate instead of three calls.
        self.tests: dict[int, _RuleTest] = {}
        # bytes.translate table keeping the _WORD characters and making every other byte a space.
        self.word_bytes = bytes(c if chr(c) in _WORD_CHARS else 32 for c in range(256))


# (needle, compiled pattern, requirements, rule): see _rule_test.
_RuleTest = tuple[str | None, "re.Pattern[str] | None", "_Requirements | None", Rule]
# (literal or None, rule index, other whole words or None): see _Matcher.by_word.
_Entry = tuple[str | None, int, frozenset[bytes] | None]


def _anchor_word(lit: _Lit) -> str | None:
    """The longest word of the literal that is a whole word of any text containing the literal.

    A word with a separator (or a \\b) on both sides inside the literal is a whole word of the
    text too, so a set-of-words lookup can stand in for the substring test.
    """
    return _literal_words(lit)[0]


def _literal_words(lit: _Lit) -> tuple[str | None, set[str]]:
    """The literal's :func:`_anchor_word` and its inner words.

    An inner word has a separator on both sides inside the literal, so it is a whole word of any
    text holding the literal, whatever the text has around it.
    """
    text, left, right = lit
    end = len(text)
    anchor: str | None = None
    inner: set[str] = set()
    for m in _rx(_WORD).finditer(text):
        start, stop = m.span()
        if (start > 0 or left) and (stop < end or right):
            word = m[0]
            if anchor is None or len(word) > len(anchor):
                anchor = word
            if start > 0 and stop < end:
                inner.add(word)
    return anchor, inner


# Words of the rules' literals that more than 2% of mail-log replies have (measured on 2026-11-23
# over 500,000 texts of benchmarks/gen_logs.py logs of every MTA). Such a word is a poor one to
# look a literal up by when the literal has a rarer one: every text holding it pays the entry's
# other tests ("google" for a Google literal that also needs "exceeds"). Looking literals up by
# their other words cut those entries from 16.5 a log reply to 11.6. Any whole word of the
# literal gives the same result: only the cost moves, so the list can be wrong but never harmful.
_COMMON_REPLY_TEXT = (
    "1 102 11 16 2 25 3 5 50 6 7 8 a accepted account action address after as been bounced by "
    "client com command connect connection contact count data deferred delivery did does doesn "
    "due during e ehlo email error esmtp exist for found from gmail google has have host "
    "hostname https id in information ip is issue limited mail mailbox mailer message messages "
    "more mta mx name no not of or org our p please postmaster queue rate rcpt recipient relay "
    "reply reputation s see sent server service size smtp starttls support t temporarily that "
    "the this tls to unavailable user verify version you your"
)
_COMMON_REPLY_WORDS = frozenset(_COMMON_REPLY_TEXT.split())


@functools.cache
def _matcher() -> _Matcher:
    literals: list[tuple[_Lit, int]] = []
    needles: dict[int, str] = {}
    patterns: dict[int, str] = {}
    for index, rule in enumerate(rules()):
        if rule.match_type == "header":
            continue  # matched against a bounce's headers (match_headers), never its text
        if rule.match_type == "substring":
            needle = _rx(_SPACES).sub(" ", rule.match).lower()
            needles[index] = needle
            literals.append(((needle, False, False), index))
        else:
            patterns[index] = rule.match
            literals.extend((lit, index) for lit in sorted(_analyse(rule.match)))
    # A rule is a candidate when one of its literals passes: the literal is in the lower-cased
    # text and its anchor (when it has one) is a whole word of the text. The literal's inner
    # words are whole words of the text whenever the literal is in it, so requiring them as
    # well changes nothing, and it leaves a choice of the word to look the literal up by.
    passes: dict[int, list[tuple[_Lit, set[str]]]] = {}
    for lit, index in literals:
        anchor, need = _literal_words(lit)
        if anchor is not None:
            need.add(anchor)
        passes.setdefault(index, []).append((lit, need))
    # A word many rules use is a word many replies use: the literal's word that the fewest
    # rules use is the lookup word that leaves the fewest substring tests per text.
    used_by = collections.Counter(
        word for found in passes.values() for word in set().union(*(need for _, need in found))
    )
    by_word: dict[bytes, list[_Entry]] = {}
    always: list[tuple[str, int]] = []
    other_always: list[tuple[str, int]] = []
    for index, found in passes.items():
        # A literal holding a shorter literal of the same rule, which needs none of the words
        # the longer one does not, passes only when the shorter one does: it adds nothing.
        found.sort(key=lambda f: (len(f[0][0]), len(f[1]), f[0]))
        kept: list[tuple[str, set[str]]] = []
        for (text, left, right), need in found:
            if any(shorter in text and words <= need for shorter, words in kept):
                continue
            kept.append((text, need))
            if not need:  # no anchor, so no whole word at all
                (always if text.isascii() else other_always).append((text, index))
                continue
            others: frozenset[bytes] | None = None
            if len(need) == 1:
                (word,) = need
            else:
                word = min(need, key=lambda w: (w in _COMMON_REPLY_WORDS, used_by[w], -len(w), w))
                # The other words are looked up before the substring test, which scans the
                # text. They include the anchor, which may be whole only thanks to a \b at an
                # end of the literal, so that the literal being in the text does not make it so.
                others = frozenset(w.encode() for w in need if w != word)
            # A literal that is just its word with \b on both sides is in the text exactly when
            # the word is a whole word of it: no substring test.
            literal = None if text == word and left and right else text
            by_word.setdefault(word.encode(), []).append((literal, index, others))
    return _Matcher(
        by_word={
            w: (
                frozenset(i for lit, i, others in entries if lit is None and others is None),
                tuple((lit, i) for lit, i, others in entries if lit is not None and others is None),
                tuple((lit, i, others) for lit, i, others in entries if others is not None),
            )
            for w, entries in by_word.items()
        },
        always=tuple(always),
        other_always=tuple(other_always),
        needles=needles,
        patterns=patterns,
    )


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _FLAGS)


def patterns_compiled() -> bool:
    """Whether :func:`match_rules` has built its matcher yet (a bare code lookup never should)."""
    return _matcher.cache_info().currsize > 0 or _compiled.cache_info().currsize > 0


def _find_substring(norm: str, low: str, needle: str) -> str | None:
    at = low.find(needle)
    if at < 0:
        return None
    if len(low) == len(norm):
        return norm[at : at + len(needle)]
    # Lower-casing changed the length (rare non-ASCII letters): search the original instead.
    found = re.search(re.escape(needle), norm, re.IGNORECASE)
    return found[0] if found else None


def match_rules(text: str) -> list[RuleMatch]:
    """Every rule whose pattern occurs in the text, best first: priority, then longer match.

    Matching is case-insensitive and runs on :func:`normalize_text` of the text; ``matched`` is
    taken from that normalised text.
    """
    # Mail logs repeat the same replies word for word all day: short texts are matched once.
    if len(text) <= 1000:
        return list(_matches(text))
    return _match_rules(text)


@functools.lru_cache(maxsize=1024)
def _matches(text: str) -> tuple[RuleMatch, ...]:
    return tuple(_match_rules(text))


def _match_rules(text: str) -> list[RuleMatch]:
    norm = normalize_text(text)
    if not norm:
        return []
    low = norm.lower()
    m = _matcher()
    if low.isascii():
        # The words _WORD.findall gives, as bytes, found by C loops without the regex engine.
        words = set(low.encode().translate(m.word_bytes).split())
        candidates = {index for literal, index in m.always if literal in low}
    else:
        words = {word.encode() for word in _rx(_WORD).findall(low)}
        candidates = {index for literal, index in m.always + m.other_always if literal in low}
    by_word = m.by_word
    # The set intersection runs in C: most of a text's words anchor no rule.
    for word in words & m.anchors:
        hits, plain_literals, entries = by_word[word]
        if hits:
            candidates |= hits
        for literal, index in plain_literals:
            if literal in low:
                candidates.add(index)
        for maybe_literal, index, others in entries:
            if others <= words and (maybe_literal is None or maybe_literal in low):
                candidates.add(index)
    if not candidates:
        return []
    tests = m.tests
    # (-priority, -len(matched), index, matched, rule): plain tuples sort in C, in the order
    # match_rules promises, without a key function (the index is unique: no tie goes further).
    found: list[tuple[int, int, int, str, Rule]] = []
    for index in candidates:
        test = tests.get(index)
        if test is None:
            test = tests[index] = _rule_test(m, index)
        needle, compiled, needs, rule = test
        if needle is not None:
            matched = _find_substring(norm, low, needle)
        else:
            assert compiled is not None
            if needs is not None and not _may_match(needs, low):
                continue
            hit_re = compiled.search(norm)
            matched = hit_re[0] if hit_re else None
        if matched is not None:
            found.append((-rule.priority, -len(matched), index, matched, rule))
    if len(found) > 1:
        found.sort()
    return [RuleMatch(rule, matched) for _, _, _, matched, rule in found]


def _rule_test(m: _Matcher, index: int) -> _RuleTest:
    """What matching rule ``index`` takes, worked out the first time a text gets that far."""
    rule = rules()[index]
    needle = m.needles.get(index)
    if needle is not None:
        return needle, None, None, rule
    pattern = m.patterns[index]
    return None, _compiled(pattern), _requirements(pattern), rule


def _may_match(requirements: _Requirements, low: str) -> bool:
    """Whether some branch has, for each of its sets, one string of the set in the text."""
    # Plain loops: nested any/all generators cost more than the substring tests themselves.
    for sets in requirements:
        for texts in sets:
            for text in texts:
                if text in low:
                    break
            else:
                break  # none of this set: the branch cannot match
        else:
            return True
    return False


if __name__ == "__main__":
    raise SystemExit(
        write_generated(sys.argv[1:], "smtpcodes.kb", PATTERN_INDEX, build_pattern_index)
    )
