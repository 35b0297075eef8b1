"""The syntax of SMTP codes: reply codes (RFC 5321 section 4.2) and enhanced codes (RFC 3463 section 2).

This module knows only what a code looks like, never what it means: the registry does that.
"""

from __future__ import annotations

import enum
import itertools
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

__all__ = [
    "CodeClass",
    "CodeSyntaxError",
    "CodeToken",
    "EnhancedCode",
    "class_of",
    "find_codes",
    "iter_codes",
    "only_codes",
    "parse_enhanced",
    "reply_code_problem",
]


class CodeClass(str, enum.Enum):
    """The class of a code, from its first digit (RFC 5321 section 4.2.1, RFC 3463 section 2)."""

    SUCCESS = "success"
    INTERMEDIATE = "intermediate"
    TRANSIENT = "transient"
    PERMANENT = "permanent"

    @property
    def is_failure(self) -> bool:
        return self in (CodeClass.TRANSIENT, CodeClass.PERMANENT)


_CLASS_BY_DIGIT = {
    "2": CodeClass.SUCCESS,
    "3": CodeClass.INTERMEDIATE,
    "4": CodeClass.TRANSIENT,
    "5": CodeClass.PERMANENT,
}


def class_of(code: str) -> CodeClass | None:
    """The class of a reply code or enhanced code from its first character, or None."""
    return _CLASS_BY_DIGIT.get(code[:1])


class CodeSyntaxError(ValueError):
    """A code that does not follow the grammar; the message says which rule it breaks."""

    def __init__(self, code: str, reason: str, reference: str) -> None:
        super().__init__(f"{code!r} is not a valid code: {reason} ({reference})")
        self.code = code
        self.reason = reason
        self.reference = reference


class EnhancedCode(NamedTuple):
    """An enhanced status code class.subject.detail (RFC 3463 section 2)."""

    klass: int
    subject: int
    detail: int

    def __str__(self) -> str:
        return f"{self.klass}.{self.subject}.{self.detail}"

    @property
    def key(self) -> str:
        """The registry's spelling, with the class as X: "X.7.26"."""
        return f"X.{self.subject}.{self.detail}"

    @property
    def subject_key(self) -> str:
        return f"X.{self.subject}"

    @property
    def code_class(self) -> CodeClass:
        return _CLASS_BY_DIGIT[str(self.klass)]


_ENHANCED_SHAPE = re.compile(r"([0-9Xx]+)\.([0-9]+)\.([0-9]+)")
RFC3463_SYNTAX = "RFC 3463 section 2"
RFC5321_REPLY = "RFC 5321 section 4.2"


def enhanced_problem(text: str) -> str | None:
    """Why `text` is not a valid enhanced code under RFC 3463 section 2, or None if it is."""
    m = _ENHANCED_SHAPE.fullmatch(text)
    if m is None:
        return "an enhanced code is three numbers separated by dots, class.subject.detail"
    klass, subject, detail = m.groups()
    if klass not in ("2", "4", "5"):
        return f"the class must be 2, 4 or 5, not {klass}"
    for name, part in (("subject", subject), ("detail", detail)):
        if len(part) > 3:
            return f"the {name} has {len(part)} digits; at most 3 are allowed"
        if len(part) > 1 and part[0] == "0":
            return f"the {name} {part} has a leading zero, which is not allowed"
    return None


def require_str(value: object, where: str) -> None:
    """TypeError naming the function and what it got, when `value` is not a str: a wrong type
    fails at the door, not as an AttributeError deep inside."""
    if not isinstance(value, str):
        raise TypeError(f"{where}() takes a str, not {type(value).__name__}")


def parse_enhanced(text: str) -> EnhancedCode:
    """Parse an enhanced code strictly (RFC 3463 section 2); raise CodeSyntaxError if it is not one."""
    require_str(text, "parse_enhanced")
    problem = enhanced_problem(text)
    if problem is not None:
        raise CodeSyntaxError(text, problem, RFC3463_SYNTAX)
    k, s, d = text.split(".")
    return EnhancedCode(int(k), int(s), int(d))


def reply_code_problem(text: str) -> str | None:
    """Why `text` breaks the reply-code grammar of RFC 5321 section 4.2, or None if it follows it.

    Reply-code = %x32-35 %x30-35 %x30-39: first digit 2 to 5, second 0 to 5, third any digit.
    """
    if len(text) != 3 or not text.isascii() or not text.isdigit():
        return "a reply code is exactly three digits"
    if text[0] not in "2345":
        return f"the first digit must be 2 to 5, not {text[0]}"
    if text[1] not in "012345":
        return f"the second digit must be 0 to 5, not {text[1]}"
    return None


class CodeToken(NamedTuple):
    """A code found in free text: a reply code, an enhanced code, or a reply code with its enhanced code."""

    text: str  # the item as written, e.g. "550 5.7.26"
    start: int
    end: int
    reply_code: str | None
    enhanced_code: str | None  # as written, e.g. "5.7.26" or "X.7.26"


# One pass over the text; each alternative is a fixed-shape run of digits, so the scan is linear.
# The look-arounds keep "1.2.3.4" (an IP address) and "12550" from producing codes. The gap before
# a paired code has one way to match: "[ \t]*[- ]?[ \t]*" had quadratically many on a run of spaces
# ("550" and a megabyte of spaces took minutes).
# The pattern starts with the set of a code's first characters, and tests what precedes that
# character just after it ((?<![\w.].)): a pattern that starts with a set lets the engine skip in C
# to the next character of the set, where one that starts with a look-behind is tried at every
# position of the text (twice as slow on a log line). Each branch then looks back at that first
# character: a reply code starts with 1 to 9, an enhanced code with 2, 4, 5 or X.
_TOKEN = re.compile(
    r"[1-9Xx](?<![\w.].)"
    r"(?:(?<=[1-9])(?P<reply>[0-9]{2})"
    r"(?:[ \t]*(?:-[ \t]*)?(?P<paired>[245]\.[0-9]{1,3}\.[0-9]{1,3}))?"
    r"|(?<=[245Xx])(?P<enh>\.[0-9]{1,3}\.[0-9]{1,3}))"
    r"(?![\w]|\.[0-9])"
)


def iter_codes(text: str) -> Iterator[CodeToken]:
    """The codes find_codes() finds, one at a time: a reader that needs only the first few does
    not pay for the rest of the text."""
    # tuple.__new__ builds the token without NamedTuple's __new__, a Python function: a fifth
    # of the cost of reading a code.
    new = tuple.__new__
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        reply, paired, enh = m.groups()  # (reply, paired, enh): the pattern's only groups
        first = text[start]
        if reply is not None:
            yield new(CodeToken, (m.group(0), start, end, first + reply, paired))
        elif first in "xX":
            yield new(CodeToken, (m.group(0), start, end, None, "X" + enh))
        else:
            yield new(CodeToken, (m.group(0), start, end, None, first + enh))


def find_codes(text: str, limit: int | None = None) -> list[CodeToken]:
    """Find reply codes, enhanced codes and reply+enhanced pairs in free text, in order.

    With `limit`, stop after that many.
    """
    require_str(text, "find_codes")
    if limit is None:
        return list(iter_codes(text))
    return list(itertools.islice(iter_codes(text), max(limit, 0)))


# What may stand between the codes of a list like "550 5.7.26, X.7.1; (4.7.0)".
_GAP = re.compile(r"[\s,;:/|()\[\]{}<>'\"#=+*&.-]*")


def only_spans(text: str, spans: Iterable[tuple[int, int]]) -> bool:
    """Whether `text` is these (start, end) spans, in order, and list punctuation between them."""
    pos = 0
    for start, end in spans:
        if _GAP.fullmatch(text, pos, start) is None:
            return False
        pos = end
    return _GAP.fullmatch(text, pos) is not None


def only_codes(text: str) -> list[CodeToken] | None:
    """The codes, when `text` holds nothing but codes and punctuation; None when it holds more."""
    tokens = find_codes(text)
    if tokens and only_spans(text, ((t.start, t.end) for t in tokens)):
        return tokens
    return None
