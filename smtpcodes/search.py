"""grep over the registry: codes, titles and descriptions of enhanced codes, reply codes and rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple, Protocol

from smtpcodes import registry
from smtpcodes.codes import CodeClass

if TYPE_CHECKING:
    from smtpcodes import kb

__all__ = ["Entry", "SearchError", "entries", "search"]

KINDS = ("enhanced", "reply", "rule")
_CLASS_WORDS = {
    "2": "2",
    "success": "2",
    "3": "3",
    "intermediate": "3",
    "4": "4",
    "transient": "4",
    "5": "5",
    "permanent": "5",
}


class SearchError(ValueError):
    """A pattern or filter that cannot be used; the message says why."""


class Entry(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def deprecated(self) -> bool: ...
    def to_json(self) -> dict[str, object]: ...


class ClassView(NamedTuple):
    """An enhanced entry shown with a class digit (list/search --class 5: X.7.26 as 5.7.26)."""

    entry: registry.EnhancedEntry
    klass: str

    @property
    def kind(self) -> str:
        return "enhanced"

    @property
    def code(self) -> str:
        return self.entry.for_class(int(self.klass))

    @property
    def title(self) -> str:
        return self.entry.title

    @property
    def description(self) -> str:
        return self.entry.description

    @property
    def deprecated(self) -> bool:
        return self.entry.deprecated

    def to_json(self) -> dict[str, object]:
        data = self.entry.to_json()
        data["code"] = self.code
        data["registry_code"] = self.entry.key
        return data


class RuleView(NamedTuple):
    """A knowledge-base rule as a search result: its id is the code; `klass`, the class digit
    it was selected for (--class), else None."""

    rule: kb.Rule
    klass: str | None = None

    @property
    def class_code(self) -> str | None:
        """The class digit the rule is listed under: the one it was selected for, else the one
        all its codes share (None for a rule with no code, or with codes of two classes, such
        as Gmail's "450/550")."""
        if self.klass is not None:
            return self.klass
        classes = rule_classes(self.rule)
        return next(iter(classes)) if len(classes) == 1 else None

    @property
    def kind(self) -> str:
        return "rule"

    @property
    def code(self) -> str:
        return self.rule.id

    @property
    def title(self) -> str:
        return self.rule.meaning

    @property
    def description(self) -> str:
        return self.rule.advice

    @property
    def deprecated(self) -> bool:
        return False

    def to_json(self) -> dict[str, object]:
        r = self.rule
        return {
            "code": r.id,
            "kind": "rule",
            "title": r.meaning,
            "description": r.advice,
            "deprecated": False,
            "provider": r.provider,
            "match": r.match,
            "match_type": r.match_type,
            "header": r.header,
            "reply_code": r.reply,
            "enhanced_code": r.enhanced,
            "category": r.category,
            "retry": r.retry,
            "confidence": r.confidence,
            "source": r.source,
            "checked": r.checked,
        }


def rule_classes(rule: kb.Rule) -> set[str]:
    """The class digits of a rule's codes: its reply and enhanced codes, each possibly several
    alternatives written "450/550"."""
    codes = f"{rule.reply or ''}/{rule.enhanced or ''}".split("/")
    return {code.strip()[:1] for code in codes if code.strip()[:1] in ("2", "3", "4", "5")}


def class_digit(value: str) -> str:
    """'5', 'permanent' -> '5'; SearchError for anything else."""
    digit = _CLASS_WORDS.get(value.strip().lower())
    if digit is None:
        raise SearchError(
            f"unknown class {value!r}: use 2, 3, 4, 5 or success, intermediate, transient, permanent"
        )
    return digit


def code_class_of_entry(entry: Entry) -> CodeClass | None:
    """The class an entry's code carries (None for registry codes written X.s.d)."""
    from smtpcodes.codes import class_of

    code = entry.code
    return class_of(code) if code[:1] in "2345" else None


def _enhanced_in_class(entry: registry.EnhancedEntry, digit: str) -> bool:
    """Whether IANA's associated reply codes allow this class (none listed or "Any" allows every class)."""
    if digit == "3":
        return False  # RFC 2034 section 4: no enhanced codes on 3xx replies
    if entry.associated_any or not entry.associated:
        return True
    return any(code[0] == digit for code in entry.associated)


def entries(
    kinds: Iterable[str] = ("enhanced", "reply"),
    klass: str | None = None,
    subject: int | None = None,
) -> Iterator[Entry]:
    """Registry entries, filtered by kind, class (digit or name) and enhanced-code subject."""
    kinds = tuple(kinds)
    for kind in kinds:
        if kind not in KINDS:
            raise SearchError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    digit = class_digit(klass) if klass is not None else None
    if "enhanced" in kinds:
        for e in registry.enhanced_entries():
            if subject is not None and e.subject != subject:
                continue
            if digit is None:
                yield e
            elif _enhanced_in_class(e, digit):
                yield ClassView(e, digit)
    if "reply" in kinds and subject is None:
        for r in registry.reply_entries():
            if digit is None or r.code[0] == digit:
                yield r
    if "rule" in kinds:
        from smtpcodes import kb

        for rule in kb.rules():
            if digit is not None and digit not in rule_classes(rule):
                continue
            if subject is not None and (rule.enhanced or "").split(".")[1:2] != [str(subject)]:
                continue
            yield RuleView(rule, digit)


def _haystack(entry: Entry) -> str:
    """What a pattern is matched against: one line for each way of writing the code (X.7.26,
    2.7.26, 4.7.26, 5.7.26), so that ^5\\.7 finds it as grep would, then the title and the
    description; for a rule, its provider and the text it matches too."""
    code = entry.code
    codes = [code]
    if code.startswith("X."):
        codes += [f"{d}{code[1:]}" for d in "245"]
    extra = ""
    if isinstance(entry, RuleView):
        rule = entry.rule
        match = f"{rule.header}: {rule.match}" if rule.header else rule.match
        extra = f"\n{rule.provider}\n{match}"
    return "\n".join(codes) + "\n" + entry.title + "\n" + entry.description + extra


def compile_matcher(
    pattern: str, *, ignore_case: bool = False, fixed: bool = False, word: bool = False
) -> Callable[[str], bool]:
    """A predicate for the pattern, grep-style: a regular expression unless `fixed`; ^ and $
    match at the start and end of each line of the text, as grep reads a file line by line."""
    source = re.escape(pattern) if fixed else pattern
    if word:
        source = rf"(?<!\w)(?:{source})(?!\w)"
    try:
        compiled = re.compile(source, re.MULTILINE | (re.IGNORECASE if ignore_case else 0))
    except re.error as exc:
        raise SearchError(f"bad regular expression {pattern!r}: {exc}") from None
    return lambda text: compiled.search(text) is not None


def search(
    pattern: str,
    *,
    ignore_case: bool = False,
    fixed: bool = False,
    word: bool = False,
    invert: bool = False,
    kinds: Iterable[str] = ("enhanced", "reply", "rule"),
    klass: str | None = None,
    subject: int | None = None,
) -> Iterator[Entry]:
    """Entries whose code, title or description match `pattern` (or do not, with `invert`)."""
    matches = compile_matcher(pattern, ignore_case=ignore_case, fixed=fixed, word=word)
    for entry in entries(kinds, klass, subject):
        if matches(_haystack(entry)) != invert:
            yield entry
