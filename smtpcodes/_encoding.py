"""Input that is not UTF-8 but says so: UTF-16 with a byte order mark (what Windows PowerShell's
">" and Out-File write) is read as the text it is, by every reader (explain, validate, scan)."""

from __future__ import annotations

from typing import IO, Any, cast

BOMS = (b"\xff\xfe", b"\xfe\xff")


def looks_utf16(head: bytes) -> bool:
    """Whether `head` (the first bytes of an input) is UTF-16 text behind its byte order mark.

    A mail log or an export is mostly ASCII, whose every other byte is then 0 (on the side the
    mark names); bytes that only start like a mark, in a log of another encoding, are not.
    """
    if head[:2] not in BOMS:
        return False
    high = head[3::2] if head[:2] == b"\xff\xfe" else head[2::2]
    return len(high) >= 2 and high.count(0) * 2 >= len(high)


def undecided_utf16(head: bytes) -> bool:
    """Whether `head` is a byte order mark, or the start of one, with too few bytes after it for
    looks_utf16 to tell: a pipe's first read can stop there, and the next one decides."""
    if head[:2] == b"\xff\xfe":
        return len(head) < 6
    if head[:2] == b"\xfe\xff":
        return len(head) < 5
    return head in (b"\xff", b"\xfe")


# Bytes that text does not hold: C0 controls but tab, line feed, form feed, carriage return, and
# the shifts of the ISO-2022 mail encodings: escape (ISO-2022-JP, the encoding of many Japanese
# bounces) and shift out / shift in (ISO-2022-KR, RFC 1557).
_CONTROLS = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 14, 15, 27)) + b"\x7f"
# The compressions scan reads; their signatures.
GZIP, BZIP2, XZ = b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00"
_SIGNATURES = {
    GZIP: "gzip-compressed",
    BZIP2: "bzip2-compressed",
    XZ: "xz-compressed",
    b"(\xb5/\xfd": "zstd-compressed",
    b"\x04\x22\x4d\x18": "lz4-compressed",
    b"PK\x03\x04": "a zip archive",
    b"%PDF": "a PDF document",
}
#: Compressions smtpcodes does not read (scan reads gzip, bzip2 and xz), with the command that does.
UNREAD_COMPRESSIONS = {"zstd-compressed": "zstd -dc", "lz4-compressed": "lz4 -dc"}


def binary_kind(data: bytes) -> str | None:
    """What `data` is when it is not text (a NUL, or more than one byte in twenty a control
    character, among its first 8 KB), else None; the name is for the user ("gzip-compressed")."""
    head = data[:8192]
    if not head:
        return None
    for signature, name in _SIGNATURES.items():
        if head.startswith(signature):
            return name
    if b"\x00" in head or len(head) - len(head.translate(None, _CONTROLS)) > len(head) // 20:
        return "binary data"
    return None


def to_utf8(data: bytes) -> bytes:
    """The bytes as UTF-8: UTF-16 behind a byte order mark is recoded, the rest left as it is."""
    if looks_utf16(data[:64]):
        return data.decode("utf-16", "replace").encode("utf-8")
    return data


class Utf8Reader:
    """A binary stream of UTF-16 text (behind its byte order mark) read as UTF-8 bytes, with
    what scan and the email readers call: readline(size) and read(size).

    Lines end at "\\n" only, as in the UTF-8 readers (a bare "\\r", a form feed or U+2028 stays
    inside its line); a line is decoded a bounded piece at a time, so memory stays flat.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        import io

        # Any: TextIOWrapper's stub wants a buffered stream, which every caller passes.
        self._text = io.TextIOWrapper(
            cast(Any, raw), encoding="utf-16", errors="replace", newline="\n"
        )
        self._pending = b""

    def _fill(self, size: int) -> None:
        if not self._pending:
            # At most `size` characters: their UTF-8 is at most four times as many bytes.
            self._pending = self._text.readline(max(1, size)).encode("utf-8", "replace")

    def readline(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = 1 << 20
        self._fill(size)
        cut = self._pending.find(b"\n", 0, size) + 1 or min(size, len(self._pending))
        line, self._pending = self._pending[:cut], self._pending[cut:]
        return line

    def read(self, size: int = -1) -> bytes:
        out: list[bytes] = []
        left = (1 << 62) if size is None or size < 0 else size
        while left > 0:
            piece = self.readline(min(left, 1 << 16))
            if not piece:
                break
            out.append(piece)
            left -= len(piece)
        return b"".join(out)

    def close(self) -> None:
        self._text.detach()
