"""Input that is not UTF-8 but says so: UTF-16 with a byte order mark (what Windows PowerShell's
">" and Out-File write) is read as the text it is, by every reader (explain, validate, scan)."""

from __future__ import annotations

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


def to_utf8(data: bytes) -> bytes:
    """The bytes as UTF-8: UTF-16 behind a byte order mark is recoded, the rest left as it is."""
    if looks_utf16(data[:64]):
        return data.decode("utf-16", "replace").encode("utf-8")
    return data
