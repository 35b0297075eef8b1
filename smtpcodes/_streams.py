"""Deciding what an input is from its first bytes (a compression signature, a byte order mark, an
mbox "From " line) without losing them, when the input is a pipe that cannot be read twice."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, Protocol


def isatty(stream: object) -> bool:
    """Whether a stream is a terminal; False for one that cannot say (closed, replaced, None)."""
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


class Peekable(Protocol):
    """What read_head needs of a stream: BufferedReader, GzipFile, BZ2File and LZMAFile have it."""

    def peek(self, size: int, /) -> bytes: ...
    def read1(self, size: int, /) -> bytes: ...
    def readinto1(self, buffer: memoryview, /) -> int: ...


class _Prefixed(io.RawIOBase):
    """The bytes read to decide what an input is, served again, then the rest of the input."""

    def __init__(self, head: bytes, rest: Peekable) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        # readinto1: at most one read of a pipe, so a live pipe's line is not held back.
        return self._rest.readinto1(memoryview(buffer))


def read_head(stream: Peekable, undecided: Callable[[bytes], bool]) -> tuple[bytes, Peekable]:
    """The first bytes of `stream` (at most 64), enough to decide what it is, and the stream,
    still starting with them."""
    head = stream.peek(64)[:64]
    if not undecided(head):
        return head, stream
    # peek gives what one read of a pipe gave, which can stop inside a signature or a mark (a
    # writer that flushed one byte): read on while the bytes so far could still be one, and
    # never further, or a live pipe (tail -F | smtpcodes scan -) would wait for its next line.
    head = stream.read1(64)
    while undecided(head):
        more = stream.read1(64 - len(head))
        if not more:
            break
        head += more
    return head, io.BufferedReader(_Prefixed(head, stream))
