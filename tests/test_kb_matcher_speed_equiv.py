"""The rule matcher's shortcuts change no result: it finds what trying every rule in full finds.

match_rules narrows the rules it tries (lookup words, substring tests, the strings each branch of
a pattern needs) because trying all of them costs too much per log line. This compares it with
the plain definition, on texts built to match each regex rule, in noise made of the rules' words.

Only ASCII texts: beside a non-ASCII letter whose lower-case form is ASCII (the Kelvin sign, a
dotted capital I), the pre-filter's word lookup and the patterns' ASCII \\b disagree, and the
pre-filter wins (a long-standing edge, kept as is).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from smtpcodes import kb

FLAGS = re.IGNORECASE | re.ASCII
SEPARATORS = (" ", " ", "  ", "-", ".", ": ", ", ", "_", "/", "\n", "\n550-5.7.1 ", " 550-5.1.1 ")


@functools.cache
def _compiled() -> list[tuple[kb.Rule, re.Pattern[str] | str]]:
    return [
        (rule, re.compile(rule.match, FLAGS))
        if rule.match_type == "regex"
        else (rule, re.sub(r"\s+", " ", rule.match).lower())
        for rule in kb.rules()
        if rule.match_type != "header"  # a header's value, never the text (test_header_rules)
    ]


def every_rule(text: str) -> list[tuple[str, str]]:
    """(rule id, matched) of every rule found in the text without any shortcut, best first."""
    norm = kb.normalize_text(text)
    low = norm.lower()
    found: list[tuple[int, kb.Rule, str]] = []
    for index, (rule, pattern) in enumerate(_compiled()):
        if isinstance(pattern, str):
            at = low.find(pattern) if norm else -1
            matched = norm[at : at + len(pattern)] if at >= 0 else None
        else:
            hit = pattern.search(norm)
            matched = hit[0] if hit else None
        if matched is not None:
            found.append((index, rule, matched))
    found.sort(key=lambda f: (-f[1].priority, -len(f[2]), f[0]))
    return [(rule.id, matched) for _, rule, matched in found]


def shortcuts(text: str) -> list[tuple[str, str]]:
    return [(m.rule.id, m.matched) for m in kb.match_rules(text)]


@functools.cache
def _words() -> list[str]:
    return sorted({w for rule in kb.rules() for w in re.findall(r"[A-Za-z0-9']+", rule.match)})


@st.composite
def texts(draw: st.DrawFn) -> str:
    rule = draw(st.sampled_from([r for r in kb.rules() if r.match_type == "regex"]))
    matching = st.from_regex(
        re.compile(rule.match, FLAGS), fullmatch=True, alphabet=st.characters(codec="ascii")
    )
    case: st.SearchStrategy[Callable[[str], str]] = st.sampled_from(
        [str.lower, str.upper, str.title, str.strip]
    )
    noise = st.tuples(st.sampled_from(_words()), case).map(lambda wc: wc[1](wc[0]))
    parts = draw(
        st.lists(st.one_of(matching, noise, st.sampled_from(SEPARATORS)), min_size=1, max_size=10)
    )
    return "".join(parts)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts())
def test_regex_rules_in_noise(text: str) -> None:
    assume(text.isascii())
    assert shortcuts(text) == every_rule(text)


def test_each_rule_on_its_own_words() -> None:
    for rule in kb.rules():
        for text in (rule.match, f"550 5.1.1 <a@b.example>: {rule.match.upper()} (x)"):
            if text.isascii():
                assert shortcuts(text) == every_rule(text), text


def test_branches_that_need_more_than_a_common_word() -> None:
    # generic-mailbox-disabled: "recipient " lets the rule through; only some texts finish it.
    for text in (
        "Recipient address rejected: User unknown in virtual mailbox table",
        "550 5.2.1 recipient is temporarily disabled",
        "550 user john.doe@example.com temporarily locked",
        "550 User john@example.com temporary locked",
        "mailbox-frozen, account_disabled, addressdisabled recipient",
        "inactive mailbox; inactive accounts; disabled recipients",
        "the mailbox was permanently suspended.",
    ):
        assert shortcuts(text) == every_rule(text), text


def test_many_matches_keep_their_order() -> None:
    # Several rules at once: the matches are sorted as plain tuples, the order must not change.
    ascii_rules = [rule.match for rule in kb.rules() if rule.match.isascii()]
    for start in range(0, len(ascii_rules), 7):
        text = " ; ".join(ascii_rules[start : start + 7])
        assert shortcuts(text) == every_rule(text), text
