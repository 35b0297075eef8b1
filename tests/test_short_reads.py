"""A pipe's first read can hold a byte or two (a writer that flushed the start of a file, then the
rest): scan must still see the gzip, bzip2 or xz signature and the UTF-16 byte order mark, and a
live pipe must still get each record without waiting for more input than decides."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from smtpcodes.scan import ScanRecord, _readable, scan

POSTFIX = Path(__file__).resolve().parent / "fixtures" / "scan" / "postfix.log"
TEXT = POSTFIX.read_bytes()
# The console script beside this Python, as a user's pipe runs it.
_SCRIPT = Path(sys.executable).with_name("smtpcodes")
SMTPCODES = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "smtpcodes"]


def _utf16le(data: bytes) -> bytes:
    return b"\xff\xfe" + data.decode("utf-8").encode("utf-16-le")


def _utf16be(data: bytes) -> bytes:
    return b"\xfe\xff" + data.decode("utf-8").encode("utf-16-be")


def _xz(data: bytes) -> bytes:
    return lzma.compress(data, format=lzma.FORMAT_XZ)


ENCODINGS: dict[str, Callable[[bytes], bytes]] = {
    "plain": lambda data: data,
    "utf-16-le": _utf16le,
    "utf-16-be": _utf16be,
    "gzip": gzip.compress,
    "bzip2": bz2.compress,
    "xz": _xz,
    "gzip-utf-16": lambda data: gzip.compress(_utf16le(data)),
}

# Writes the first `cut` bytes of a file, waits until the reader has taken them (so that its first
# read holds them alone, however slowly it starts), then writes the rest.
WRITER = """
import fcntl, struct, sys, termios, time
data = open(sys.argv[1], "rb").read()
cut = int(sys.argv[2])
out = sys.stdout.buffer
out.write(data[:cut])
out.flush()
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    if struct.unpack("i", fcntl.ioctl(1, termios.FIONREAD, b"\\0" * 4))[0] == 0:
        break
    time.sleep(0.01)
time.sleep(0.2)
out.write(data[cut:])
out.flush()
"""


def _expected() -> list[tuple[int | None, str | None, str]]:
    items = scan([str(POSTFIX)])
    return [(r.line, r.recipient, r.status) for r in items if isinstance(r, ScanRecord)]


@pytest.mark.skipif(sys.platform == "win32", reason="FIONREAD on a pipe is POSIX")
@pytest.mark.parametrize(
    ("encoding", "cut"),
    [
        ("utf-16-le", 1),
        ("utf-16-le", 3),
        ("utf-16-le", 5),
        ("utf-16-be", 1),
        ("utf-16-be", 4),
        ("gzip", 1),
        ("bzip2", 2),
        ("xz", 1),
        ("xz", 5),
    ],
)
def test_scan_reads_a_pipe_whose_first_read_is_short(
    tmp_path: Path, encoding: str, cut: int
) -> None:
    source = tmp_path / "input"
    source.write_bytes(ENCODINGS[encoding](TEXT))
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(source), str(cut)], stdout=subprocess.PIPE
    )
    assert writer.stdout is not None
    try:
        # Not script_runner: it reads stdin to the end and hands the reader all of it at once.
        r = subprocess.run(
            [*SMTPCODES, "scan", "--format", "jsonl", "-"],
            stdin=writer.stdout,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
        )
    finally:
        writer.stdout.close()
        writer.wait(timeout=30)
    assert r.returncode == 0, r.stderr
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(x["line"], x["recipient"], x["status"]) for x in records] == _expected()


class _Trickle(io.RawIOBase):
    """A pipe at its slowest: every read gives one byte; past the data it would block (raises)."""

    def __init__(self, data: bytes, more: bool = False) -> None:
        self._data = data
        self._more = more
        self.taken = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.taken == len(self._data):
            if self._more:
                raise AssertionError("read past what was written: a live pipe would hang here")
            return 0
        buffer[0] = self._data[self.taken]
        self.taken += 1
        return 1


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_readable_when_each_read_gives_one_byte(encoding: str) -> None:
    stream = _readable(_Trickle(ENCODINGS[encoding](TEXT)))  # type: ignore[arg-type]
    assert stream.read() == TEXT


@pytest.mark.parametrize(
    ("written", "taken", "text"),
    [
        (b"N", 1, True),  # no signature nor mark starts with "N": a log line, read at once
        (b"Nov 20 06:25:02 mx postfix/smtp[1]: x\n", 1, True),
        (b"Bo", 2, True),  # "BZh" would be bzip2
        (b"\xff\xfeNov 2", 6, True),  # a mark, then not UTF-16
        (b"\xff\xfeN\x00o\x00", 6, False),  # UTF-16LE: the mark and two characters decide
        (b"\xfe\xff\x00N\x00", 5, False),  # UTF-16BE: so do the mark and a character and a half
    ],
)
def test_readable_reads_no_further_than_decides(written: bytes, taken: int, text: bool) -> None:
    raw = _Trickle(written, more=True)
    stream = _readable(raw)  # type: ignore[arg-type]
    assert raw.taken == taken
    if text:  # what was read to decide is not lost
        assert stream.read(taken) == written[:taken]


@pytest.mark.parametrize("written", [b"\x1f", b"B", b"BZ", b"\xfd7zX", b"\xff", b"\xff\xfeN\x00o"])
def test_readable_waits_while_the_start_could_be_a_signature_or_a_mark(written: bytes) -> None:
    with pytest.raises(AssertionError, match="live pipe"):
        _readable(_Trickle(written, more=True))  # type: ignore[arg-type]


@pytest.mark.parametrize("data", [b"", b"\x1f", b"\xff", b"\xff\xfeN", b"BZ", b"\xfd7zXZ"])
def test_readable_stops_at_the_end_of_a_short_input(data: bytes) -> None:
    assert _readable(_Trickle(data)).read() == data  # type: ignore[arg-type]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
@pytest.mark.parametrize("cut", [1, 3])
def test_an_mbox_on_a_pipe_whose_first_read_is_short(tmp_path: Path, cut: int) -> None:
    # explain -f <(zcat bounces.mbox.gz): the "From " line that makes it an mbox may come in
    # pieces; read as one message, its three bounces would give one verdict.
    from smtpcodes.bounce import iter_messages

    parse = Path(__file__).resolve().parent / "fixtures" / "parse"
    mbox = tmp_path / "bounces.mbox"
    with open(mbox, "wb") as out:
        for name in ("qmail.eml", "exim.eml", "autoreply.eml"):
            out.write(b"From MAILER-DAEMON Fri Nov 20 10:00:00 2026\n")
            out.write((parse / name).read_bytes().rstrip(b"\n") + b"\n\n")
    expected = [len(replies) for _, replies in iter_messages(str(mbox))]
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(mbox), str(cut)], stdout=subprocess.PIPE
    )
    assert writer.stdout is not None
    try:
        found = list(iter_messages(f"/proc/self/fd/{writer.stdout.fileno()}"))
    finally:
        writer.stdout.close()
        writer.wait(timeout=30)
    assert expected == [2, 2, 1]
    assert [len(replies) for _, replies in found] == expected
