"""The registry of SMTP codes: IANA's enhanced status codes and the SMTP reply codes.

Enhanced codes come from the IANA "SMTP Enhanced Status Codes" registry (RFC 3463, RFC 5248), kept in
data/ in IANA's own CSV layout. Reply codes come from RFC 5321 section 4.2 and the extensions that add
codes (RFC 7504, 4954, 3207, 1870, 1985, 2645, 5248, 6531), with the non-standard codes seen in the
wild marked as such. Everything is read on first use, never at import time.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import NamedTuple

from smtpcodes._data import read_csv
from smtpcodes.codes import (
    CodeClass,
    EnhancedCode,
    class_of,
    enhanced_problem,
    reply_code_problem,
    require_str,
)

__all__ = [
    "ClassInfo",
    "EnhancedEntry",
    "ReplyEntry",
    "ReplyMeaning",
    "SubjectInfo",
    "class_info",
    "enhanced_entries",
    "lookup_enhanced",
    "lookup_reply",
    "reply_digit_meaning",
    "reply_entries",
    "subject_info",
    "subject_known",
]

IANA_SOURCE = "IANA SMTP Enhanced Status Codes registry (data/smtp-enhanced-status-codes-*.csv)"


def _clean(text: str) -> str:
    """IANA wraps descriptions at fixed columns; join the lines back into prose."""
    return " ".join(text.split())


_REF = re.compile(r"\[(RFC)(\d+)\]|\[([^\]]+)\]")
_SECTION = re.compile(r",\s*Section\s+([\d.]+)", re.IGNORECASE)


@functools.cache  # most entries share a handful of reference texts
def _references(text: str) -> tuple[str, ...]:
    """'[RFC7372], Section 3.3 (Standards Track); [RFC6376] ...' -> ('RFC 7372 section 3.3', 'RFC 6376')."""
    refs: list[str] = []
    for m in _REF.finditer(text):
        if m.group(1):
            ref = f"RFC {m.group(2)}"
            section = _SECTION.match(text, m.end())
            if section:
                ref += f" section {section.group(1)}"
        else:
            ref = m.group(3)
        refs.append(ref)
    return tuple(refs)


_ASSOC = re.compile(r"\b[2-5](?:[0-9]{2}|XX)\b")


def _associated(text: str) -> tuple[tuple[str, ...], bool]:
    """IANA's free-text column ("451, 550", "250 or 251", "5XX", "Any", "Not given", ".") -> codes, any."""
    if text.strip().lower() == "any":
        return (), True
    return tuple(dict.fromkeys(_ASSOC.findall(text))), False


class ClassInfo(NamedTuple):
    """A class of enhanced codes (2, 4, 5) from IANA's class table."""

    digit: str
    code_class: CodeClass
    title: str
    description: str
    references: tuple[str, ...]


class SubjectInfo(NamedTuple):
    """A subject of enhanced codes (X.0 to X.7) from IANA's subject table."""

    subject: int
    key: str  # "X.7"
    title: str
    description: str
    references: tuple[str, ...]


class EnhancedEntry(NamedTuple):
    """One enumerated enhanced status code of the IANA registry, e.g. X.7.26."""

    key: str  # "X.7.26"
    subject: int
    detail: int
    title: str
    description: str
    associated: tuple[str, ...]  # reply codes IANA associates ("550"; "5XX" where IANA says so)
    associated_any: bool  # IANA says "Any"
    associated_text: str  # IANA's column as written
    references: tuple[str, ...]
    reference_text: str
    submitter: str
    change_controller: str
    deprecated: bool = False
    replaced_by: str | None = None

    @property
    def kind(self) -> str:
        return "enhanced"

    @property
    def code(self) -> str:
        return self.key

    def for_class(self, klass: int) -> str:
        """The code as sent with a class digit: for_class(5) on X.7.26 -> "5.7.26"."""
        return f"{klass}.{self.subject}.{self.detail}"

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.key,
            "kind": "enhanced",
            "title": self.title,
            "description": self.description,
            "deprecated": self.deprecated,
            "replaced_by": self.replaced_by,
            "subject": subject_info(self.subject).title if subject_known(self.subject) else None,
            "associated_reply_codes": list(self.associated),
            "associated_any": self.associated_any,
            "associated_text": self.associated_text,
            "references": list(self.references),
            "submitter": self.submitter,
            "change_controller": self.change_controller,
            "source": IANA_SOURCE,
        }


class ReplyMeaning(NamedTuple):
    """What a reply code means in one context: base SMTP, or an extension such as AUTH or STARTTLS."""

    context: str  # "" for RFC 5321 itself
    title: str
    description: str
    usual_enhanced: tuple[str, ...]
    reference: str
    advice: str
    source: str
    checked: str


class ReplyEntry(NamedTuple):
    """A three-digit SMTP reply code with every meaning the RFCs (or the wild) give it."""

    code: str
    standard: bool
    note: str  # why it is not standard
    meanings: tuple[ReplyMeaning, ...] = ()

    @property
    def kind(self) -> str:
        return "reply"

    @property
    def title(self) -> str:
        return self.meanings[0].title if self.meanings else ""

    @property
    def description(self) -> str:
        return self.meanings[0].description if self.meanings else ""

    @property
    def deprecated(self) -> bool:
        return False

    @property
    def code_class(self) -> CodeClass | None:
        return class_of(self.code)

    @property
    def references(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.reference for m in self.meanings if m.reference))

    @property
    def usual_enhanced(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for m in self.meanings for c in m.usual_enhanced))

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "kind": "reply",
            "title": self.title,
            "description": self.description,
            "deprecated": False,
            "standard": self.standard,
            "note": self.note or None,
            "class": self.code_class.value if self.code_class else None,
            "usual_enhanced_codes": list(self.usual_enhanced),
            "references": list(self.references),
            "meanings": [
                {
                    "context": m.context or None,
                    "title": m.title,
                    "description": m.description,
                    "usual_enhanced_codes": list(m.usual_enhanced),
                    "reference": m.reference,
                    "advice": m.advice,
                    "source": m.source,
                    "checked": m.checked,
                }
                for m in self.meanings
            ],
        }


_DEPRECATED = re.compile(r"duplicate of (X\.\d+\.\d+)", re.IGNORECASE)


@functools.cache
def _classes() -> dict[str, ClassInfo]:
    out: dict[str, ClassInfo] = {}
    for row in read_csv("smtp-enhanced-status-codes-1.csv"):
        digit = row["Code"].strip()[:1]
        out[digit] = ClassInfo(
            digit=digit,
            code_class=CodeClass(_CLASS_NAMES[digit]),
            title=_clean(row["Summary"]),
            description=_clean(row["Description"]),
            references=_references(row["Reference"]),
        )
    return out


_CLASS_NAMES = {"2": "success", "4": "transient", "5": "permanent"}


@functools.cache
def _subjects() -> dict[int, SubjectInfo]:
    out: dict[int, SubjectInfo] = {}
    for row in read_csv("smtp-enhanced-status-codes-2.csv"):
        subject = int(row["Code"].split(".")[1])
        out[subject] = SubjectInfo(
            subject=subject,
            key=f"X.{subject}",
            title=_clean(row["Summary"]),
            description=_clean(row["Description"]),
            references=_references(row["Reference"]),
        )
    return out


@functools.cache
def _enhanced() -> dict[str, EnhancedEntry]:
    out: dict[str, EnhancedEntry] = {}
    for row in read_csv("smtp-enhanced-status-codes-3.csv"):
        key = row["Code"].strip()
        _, subject, detail = key.split(".")
        description = _clean(row["Description"])
        associated_text = _clean(row["Associated basic status code"])
        associated, any_ = _associated(associated_text)
        dup = _DEPRECATED.search(description)
        deprecated = dup is not None or "deprecated" in description.lower()
        out[key] = EnhancedEntry(
            key=key,
            subject=int(subject),
            detail=int(detail),
            title=_clean(row["Sample Text"])
            or (f"Deprecated duplicate of {dup.group(1)}" if dup else ""),
            description=description,
            associated=associated,
            associated_any=any_,
            associated_text=associated_text,
            references=_references(row["Reference"]),
            reference_text=_clean(row["Reference"]),
            submitter=_clean(row["Submitter"]),
            change_controller=_clean(row["Change Controller"]),
            deprecated=deprecated,
            replaced_by=dup.group(1) if dup else None,
        )
    return out


@functools.cache
def _replies() -> dict[str, ReplyEntry]:
    grouped: dict[str, list[dict[str, str]]] = {}
    for row in read_csv("reply-codes.csv"):
        grouped.setdefault(row["code"].strip(), []).append(row)
    out: dict[str, ReplyEntry] = {}
    for code in sorted(grouped):
        rows = sorted(grouped[code], key=lambda r: r["context"] != "")  # the base meaning first
        out[code] = ReplyEntry(
            code=code,
            standard=all(r["standard"].strip().lower() == "yes" for r in rows),
            note=" ".join(r["note"].strip() for r in rows if r["note"].strip()),
            meanings=tuple(
                ReplyMeaning(
                    context=r["context"].strip(),
                    title=r["title"].strip(),
                    description=r["description"].strip(),
                    usual_enhanced=tuple(r["usual_enhanced"].split()),
                    reference=r["reference"].strip(),
                    advice=r["advice"].strip(),
                    source=r["source"].strip(),
                    checked=r["checked"].strip(),
                )
                for r in rows
            ),
        )
    return out


@functools.cache
def _digits() -> dict[tuple[str, str], str]:
    return {
        (row["position"].strip(), row["digit"].strip()): row["meaning"].strip()
        for row in read_csv("reply-digits.csv")
    }


def class_info(digit: str | int) -> ClassInfo:
    """The class table entry for 2, 4 or 5; KeyError otherwise."""
    return _classes()[str(digit)]


def subject_known(subject: int) -> bool:
    return subject in _subjects()


def subject_info(subject: int) -> SubjectInfo:
    """The subject table entry for X.0 to X.7; KeyError otherwise."""
    return _subjects()[subject]


def _enhanced_key(code: str | EnhancedCode) -> str | None:
    if isinstance(code, EnhancedCode):
        return code.key
    require_str(code, "lookup_enhanced")
    text = code.strip()
    if text[:1] in "xX":
        text = "5" + text[1:]  # any valid class digit, to check the rest of the syntax
    if enhanced_problem(text) is not None:
        return None
    return "X." + text.split(".", 1)[1]


def lookup_enhanced(code: str | EnhancedCode) -> EnhancedEntry | None:
    """The registry entry for "5.7.26", "X.7.26" or an EnhancedCode; None when not registered."""
    key = _enhanced_key(code)
    return None if key is None else _enhanced().get(key)


def lookup_reply(code: str) -> ReplyEntry | None:
    """The entry for a reply code, standard or a known non-standard one; None when unknown."""
    require_str(code, "lookup_reply")
    return _replies().get(code.strip())


def reply_digit_meaning(code: str) -> tuple[str | None, str | None]:
    """What the first and second digits of a reply code mean (RFC 5321 section 4.2.1)."""
    digits = _digits()
    if len(code) != 3:
        return None, None
    return digits.get(("first", code[0])), digits.get(("second", code[1]))


def enhanced_entries() -> Iterator[EnhancedEntry]:
    """Every enumerated enhanced code, in registry order."""
    yield from _enhanced().values()


def reply_entries() -> Iterator[ReplyEntry]:
    """Every reply code we know, standard and not, in numeric order."""
    yield from _replies().values()


def subjects() -> Iterator[SubjectInfo]:
    yield from _subjects().values()


def classes() -> Iterator[ClassInfo]:
    yield from _classes().values()


def is_grammatical_reply(code: str) -> bool:
    return reply_code_problem(code) is None
