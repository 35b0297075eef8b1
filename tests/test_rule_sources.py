"""The `source` of every text rule reads as a citation: balanced, tidy, with whole paths."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"

# reason/ of github.com/sisimai/go-sisimai, listed with the search index's find_files on 2026-11-23.
GO_SISIMAI_REASONS = frozenset(
    [
        "authfailure",
        "badreputation",
        "blocked",
        "contenterror",
        "delivered",
        "emailtoolarge",
        "exceedlimit",
        "expired",
        "failedstarttls",
        "feedback",
        "filtered",
        "hasmoved",
        "hostunknown",
        "mailboxfull",
        "mailererror",
        "mesgtoobig",
        "networkerror",
        "norelaying",
        "notaccept",
        "notcompliantrfc",
        "onhold",
        "policyviolation",
        "ratelimited",
        "rejected",
        "requireptr",
        "securityerror",
        "spamdetected",
        "speeding",
        "suppressed",
        "suspend",
        "syntaxerror",
        "systemerror",
        "systemfull",
        "toomanyconn",
        "undefined",
        "userunknown",
        "vacation",
        "virusdetected",
    ]
)

# A file name with no directory, e.g. the "why-userunknown.go" left behind after "(...)".
_BARE_FILE = r"[\w-]+\.(?:go|pm|py|c|h|m4|eml|md|txt|html?)\b"


def sources() -> list[tuple[str, str]]:
    lines = (DATA / "rules.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [(row["id"], row["source"]) for row in rows]


def offenders(bad: Callable[[str], object]) -> list[str]:
    return [f"{rid}: {src}" for rid, src in sources() if bad(src)]


def _unbalanced(src: str) -> bool:
    stack: list[str] = []
    pairs = {")": "(", "]": "["}
    for ch in src:
        if ch in "([":
            stack.append(ch)
        elif ch in pairs and (not stack or stack.pop() != pairs[ch]):
            return True
    return bool(stack)


def test_brackets_balance() -> None:
    assert offenders(_unbalanced) == []


def test_no_word_glued_to_a_closing_parenthesis() -> None:
    assert offenders(lambda s: re.search(r"\)\w", s)) == []


def test_no_bare_file_name_after_a_parenthesis() -> None:
    # "reason/why-*.go (note) why-blocked.go": the file belongs in the path, before the note.
    assert offenders(lambda s: re.search(r"\)\s*,?\s*" + _BARE_FILE, s)) == []


def test_whitespace_and_separators_are_tidy() -> None:
    def untidy(s: str) -> bool:
        return (
            s != s.strip()
            or "  " in s
            or bool(re.search(r"[\t\r\n]|\s[;,]|;;|;(?! )", s))
            or "" in (seg.strip() for seg in s.split(";"))
        )

    assert offenders(untidy) == []


def test_no_citation_is_repeated() -> None:
    assert offenders(lambda s: len(s.split("; ")) != len(set(s.split("; ")))) == []


def test_paths_name_their_repository() -> None:
    # "lib/Sisimai/Lhost/EZweb.pm" alone does not say which repository holds it.
    def repo_less(s: str) -> bool:
        for seg in s.split("; "):
            first = seg.split(" ", 1)[0]
            host = first.split("/", 1)[0]
            if "://" not in first and "." not in host and first.count("/") > 1:
                return True
        return False

    assert offenders(repo_less) == []


def test_a_source_does_not_point_at_another_rule() -> None:
    # Rules are read one at a time; "same repo" has no antecedent.
    assert offenders(lambda s: re.search(r"\bsame (?:repo|source|page)\b", s, re.I)) == []


def test_go_sisimai_paths_are_whole_and_exist() -> None:
    def broken(s: str) -> bool:
        if "reason/ " in s or re.search(r"(?<!reason/)\bwhy-[\w*]+\.go", s):
            return True  # a directory with a note where the file should be, or a stray file name
        names = re.findall(r"reason/why-([\w*]+)\.go", s)
        return any(n != "*" and n not in GO_SISIMAI_REASONS for n in names)

    assert offenders(broken) == []


def test_sample_lists_are_spelled_out() -> None:
    # "lhost-exim-32/34/46.eml" reads as a directory path; name each sample.
    assert offenders(lambda s: re.search(r"-\d+/\d+", s)) == []


def test_a_source_names_a_document_not_our_search_tool() -> None:
    # "find_string hits" told a reader nothing they could open: a source names a page, a file
    # in a repository, an RFC section, or the wording servers send.
    assert offenders(lambda s: re.search(r"find_string|code search hits", s)) == []
