"""How much of an input smtpcodes reads, and the record of what a limit cut.

Bounce text is written by strangers. A 200 MB line, a message of 10,000 MIME parts or a mailbox of
a million messages must neither exhaust memory nor run for minutes, so every reader stops at a
limit. Nothing is cut silently: each cut is recorded in the :class:`Report` of the
:func:`applied` block around the call, and the command line prints one line on stderr for it
(``explain`` and ``validate`` then exit 1: some input gave nothing, the part not read; ``scan``
counts it as a problem of kind "cut"). The defaults are the constants below; the commands take
``--max-bytes``, ``--max-line``, ``--max-parts`` and ``--max-items``.

    >>> from smtpcodes import limits
    >>> from smtpcodes.parse import parse_text
    >>> with limits.applied(limits.Limits(max_line=100)) as report:
    ...     replies = parse_text("550 5.1.1 " + "x" * 200)
    >>> [cut.limit for cut in report.cuts]
    ['max_line']

Without an :func:`applied` block the defaults still hold and cuts are not recorded anywhere.
The limits live in a context variable, so threads and asyncio tasks each see their own.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, NamedTuple

from smtpcodes._streams import isatty

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_ITEMS",
    "MAX_LINE",
    "MAX_PARTS",
    "Cut",
    "Limits",
    "Report",
    "applied",
    "checked",
    "current",
    "cut_long_lines",
    "read_at_most",
    "record",
]

#: Bytes read from one input: standard input, a file, one argument, each message of an mbox or a
#: Maildir. A bounce puts its report first (RFC 6522 section 3), so the returned message is what
#: this usually leaves out; a paste is kilobytes. A whole day of logs is `smtpcodes scan`'s job.
MAX_BYTES = 1 << 20
#: Characters of one line considered; the rest of a longer line is skipped. SMTP reply lines are at
#: most 512 octets (RFC 5321 section 4.5.3.1.5) and log lines a few kilobytes.
MAX_LINE = 64 << 10
#: MIME parts read in one message (a bounce has two or three).
MAX_PARTS = 1000
#: MIME nesting levels read (a bounce forwarded inside a bounce is three or four deep).
MAX_DEPTH = 20
#: Replies reported for one input, and replies and paragraphs read from one text. A bounce gives
#: one reply per recipient, and MTAs take at most about 1,000 recipients per message (Postfix's
#: smtpd_recipient_limit); more is a log, which is `smtpcodes scan`'s job.
MAX_ITEMS = 1000

#: Cuts kept in a report for showing; the rest are only counted.
KEEP = 1000


# NamedTuples, not dataclasses: this module is imported by every command, and a dataclass costs
# about a millisecond of start-up to create.
class Limits(NamedTuple):
    """The limits one run reads with; each must be at least 1 (applied() checks)."""

    max_bytes: int = MAX_BYTES
    max_line: int = MAX_LINE
    max_parts: int = MAX_PARTS
    max_depth: int = MAX_DEPTH
    max_items: int = MAX_ITEMS


class Cut(NamedTuple):
    """One thing a limit cut: the limit's name ("max_line") and what was skipped, in words."""

    limit: str
    message: str


class Report:
    """The cuts made inside an :func:`applied` block: the first KEEP of them, and how many in all."""

    def __init__(self) -> None:
        self.cuts: list[Cut] = []
        self.total = 0
        self._taken = 0

    def add(self, limit: str, message: str) -> None:
        self.total += 1
        if len(self.cuts) < KEEP:
            self.cuts.append(Cut(limit, message))

    def take(self) -> list[Cut]:
        """The cuts recorded since the last call (for naming the input they happened in)."""
        new = self.cuts[self._taken :]
        self._taken = len(self.cuts)
        return new

    def __bool__(self) -> bool:
        return self.total > 0


_STATE: contextvars.ContextVar[tuple[Limits, Report | None]] = contextvars.ContextVar(
    "smtpcodes_limits", default=(Limits(), None)
)


def current() -> Limits:
    """The limits in force."""
    return _STATE.get()[0]


class LimitWarning(UserWarning):
    """A limit cut the input of a call made outside any :func:`applied` block."""


def record(limit: str, message: str) -> None:
    """Note a cut in the report of the enclosing :func:`applied` block; outside one, warn
    (LimitWarning): nothing is cut silently, for a library caller either."""
    report = _STATE.get()[1]
    if report is not None:
        report.add(limit, message)
        return
    import os
    import sys
    import warnings

    # Point the warning at the caller's line, the first frame outside this package.
    here = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 2
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(here):
        frame, level = frame.f_back, level + 1
    warnings.warn(
        f"smtpcodes cut its input: {message}; run the call inside smtpcodes.limits.applied() "
        "to choose the limits and collect the cuts",
        LimitWarning,
        stacklevel=level,
    )


def checked(limits: Limits) -> Limits:
    """The limits themselves; ValueError if one is not a whole number of at least 1."""
    for name, value in limits._asdict().items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    return limits


@contextmanager
def applied(limits: Limits | None = None) -> Iterator[Report]:
    """Run a block with these limits (default: those in force) and collect what they cut."""
    chosen = checked(limits if limits is not None else current())
    report = Report()
    token = _STATE.set((chosen, report))
    try:
        yield report
    finally:
        _STATE.reset(token)


# Line breaks as the parsers read them: CRLF, CR alone (old Macs, some NDR generators), LF.
_BREAK = r"\r\n?|\n"


def cut_long_lines(text: str) -> str:
    """The text with every line longer than max_line characters cut to that length; each recorded.

    Bounds the work any one line can cause; text without a long line comes back unchanged.
    """
    limit = current().max_line
    if len(text) <= limit or max(map(len, re.split(_BREAK, text))) <= limit:
        return text
    pieces = re.split(f"({_BREAK})", text)
    # Even indexes are lines, odd ones the breaks between them.
    for index in range(0, len(pieces), 2):
        line = pieces[index]
        if len(line) > limit:
            pieces[index] = line[:limit]
            record(
                "max_line",
                f"line {index // 2 + 1} has {len(line):,} characters; only the first {limit:,} "
                "were read (--max-line)",
            )
    return "".join(pieces)


_CHUNK = 1 << 20


def read_at_most(stream: IO[bytes], most: int) -> tuple[bytes, bool]:
    """The first `most` bytes of a stream, and whether it holds more.

    Read in chunks: BufferedReader.read(n) allocates n bytes up front, so a generous limit
    (--max-bytes 100G) would fail with MemoryError on a small input.
    """
    chunks: list[bytes] = []
    size = 0
    # At a terminal, Ctrl-D on a line ends a read short without ending the input: the end is
    # what the user meant, and reading on would wait for a second Ctrl-D.
    interactive = isatty(stream)
    while size <= most:
        asked = min(_CHUNK, most + 1 - size)
        chunk = stream.read(asked)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if interactive and len(chunk) < asked:
            break
    data = b"".join(chunks)
    return data[:most], size > most
