"""The fast readers of parse.py and codes.py find what the plain ones they replaced find.

Each reference below is the code as first written (a pattern tried at every position, every
pattern run); the fast one skips ahead to a literal or a character set, or runs a pattern only
when one of its phrases is there.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smtpcodes import codes, parse
from smtpcodes.codes import CodeToken, find_codes

# -- codes in free text ---------------------------------------------------------------------------

_PLAIN_TOKEN = re.compile(
    r"(?<![\w.])"
    r"(?:(?P<reply>[1-9][0-9]{2})(?:[ \t]*(?:-[ \t]*)?(?P<paired>[245]\.[0-9]{1,3}\.[0-9]{1,3}))?"
    r"|(?P<enh>[245Xx]\.[0-9]{1,3}\.[0-9]{1,3}))"
    r"(?![\w]|\.[0-9])"
)


def _plain_find_codes(text: str, limit: int | None = None) -> list[CodeToken]:
    tokens: list[CodeToken] = []
    for m in _PLAIN_TOKEN.finditer(text):
        if limit is not None and len(tokens) >= limit:
            break
        enhanced = m.group("paired") or m.group("enh")
        if enhanced is not None and enhanced[0] in "xX":
            enhanced = "X" + enhanced[1:]
        tokens.append(CodeToken(m.group(0), m.start(), m.end(), m.group("reply"), enhanced))
    return tokens


# Digits, the characters around codes, and word characters that are no ASCII digits ("٣", "é").
_CODE_TEXT = st.text(alphabet="0123455.5.1-Xx \t\n_a:[]()#٣é", max_size=40)


@given(text=_CODE_TEXT, limit=st.none() | st.integers(-1, 4))
def test_find_codes_as_the_plain_pattern(text: str, limit: int | None) -> None:
    assert find_codes(text, limit) == _plain_find_codes(text, limit)


@pytest.mark.parametrize(
    "text",
    ["550 5.7.26", "x550", ".550", "1.2.3.4", "550-5.1.1 a", "X.7.1", "a X.7.1", "5.1.1.", "12550"],
)
def test_find_codes_examples(text: str) -> None:
    assert find_codes(text) == _plain_find_codes(text)
    assert list(codes.iter_codes(text)) == _plain_find_codes(text)


# -- the command a fragment names -----------------------------------------------------------------


def _plain_find_command(text: str, last: bool = False) -> str | None:
    """find_command as first written: the two patterns without a literal ran on every fragment."""
    low = text.lower()
    if "\n" in low or "  " in low or "\t" in low:
        low = " ".join(low.split())
    if not any(hint in low for hint in parse._COMMAND_HINTS):
        return None
    commands = parse._p().commands
    where = -1
    found: str | None = None
    for k, (literals, pattern) in enumerate(commands):
        if k < len(commands) - 2 and literals[0] not in low:
            continue
        matches = pattern.finditer(low) if last else [pattern.search(low)]
        for m in matches:
            if m is None:
                continue
            if found is None or (m.start() > where if last else m.start() < where):
                where = m.start()
                word = m.group(1)
                found = parse._COMMAND_NAMES.get(word, word.upper())
    return found


_PHRASES = [
    "x",
    " ",
    "  ",
    "\n",
    ":",
    "after ",
    "RCPT TO",
    "rcpt",
    " command",
    "in reply to ",
    "connect to",
    "Connection refused",
    "connection timed out",
    "xconnection refused to talk to me",
    "did not like our ",
    "sent <<< ",
    "sent<<<",
    "my name was rejected",
    "does not like recipient",
    "but greeting failed",
    "(state 14)",
    "in:",
    "smtp:data",
    "\u017f",  # the long s, which IGNORECASE matches to "s"
]


@given(
    text=st.lists(st.sampled_from(_PHRASES), max_size=10).map("".join),
    last=st.booleans(),
)
def test_find_command_as_every_pattern_run(text: str, last: bool) -> None:
    assert parse._find_command(text, last) == _plain_find_command(text, last)
    assert parse.find_command(text, last) == _plain_find_command(text, last)


# -- log fields that must start a word ------------------------------------------------------------

_FIELD_TEXT = st.text(alphabet='replywithC="delivry 42:failure_x.é,()', max_size=60)


@pytest.mark.parametrize(
    ("attr", "name"),
    [
        ("sm_reply", "reply="),
        ("sm_with", "with "),
        ("exim_confirm", 'C="'),
        ("qmail_delivery", "delivery "),
        ("pf_to", "to=<"),
        ("pf_dsn", "dsn="),
        ("sm_to", "to="),
    ],
)
@given(text=_FIELD_TEXT)
def test_field_is_a_word_boundary_search(attr: str, name: str, text: str) -> None:
    pattern = getattr(parse._p(), attr)
    lookbehind = r"(?<!\w)"
    assert pattern.pattern.startswith(lookbehind + name)
    plain = re.compile(r"\b" + pattern.pattern[len(lookbehind) :], pattern.flags)
    fast = parse._field(pattern, name, text)
    slow = plain.search(text)
    assert (fast and (fast.span(), fast.groups())) == (slow and (slow.span(), slow.groups()))


# -- squashing whitespace -------------------------------------------------------------------------

# Every character str.split() splits on, and some printable ones around them.
_WHITESPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
_SQUASH_TEXT = st.text(alphabet=st.sampled_from(_WHITESPACE + "ab5.-ß\u200b\xad"), max_size=40)


@given(text=_SQUASH_TEXT)
def test_squash_as_split_and_join(text: str) -> None:
    assert parse.squash(text) == " ".join(text.split())


def test_every_space_str_split_knows_is_unprintable_but_the_space() -> None:
    # squash() returns printable text as it is when it has no double or end space.
    assert [c for c in _WHITESPACE if c.isprintable()] == [" "]


# -- back over the spaces before "(in reply to ...)" ----------------------------------------------


@pytest.mark.parametrize("gap", ["", " ", "  ", "   ", "    ", "\t \xa0", "\u2028  "])
def test_in_reply_to_takes_up_to_three_spaces(gap: str) -> None:
    text = f"x{gap}(in reply to RCPT TO command)"
    found = parse._in_reply_to(text)
    assert found is not None
    plain = len("x" + gap) - (len(gap[-3:]) - len(gap[-3:].rstrip()))
    assert found == (plain, len(text), "RCPT TO")
