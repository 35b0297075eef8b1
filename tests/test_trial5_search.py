"""Fixes from the fifth user trial: search's anchors, and the class of rules."""

from __future__ import annotations

import pytest
from conftest import Invoke

from smtpcodes.search import search


def _codes(pattern: str, **kwargs: object) -> list[str]:
    return [e.code for e in search(pattern, **kwargs)]  # type: ignore[arg-type]


def test_caret_anchors_every_way_of_writing_a_code() -> None:
    found = _codes(r"^5\.7\.2", kinds=["enhanced"])
    assert "X.7.26" in found and "X.7.2" in found and "X.7.1" not in found
    assert _codes(r"^5\.7\.26$", kinds=["enhanced"]) == ["X.7.26"]
    assert _codes(r"^4\.2\.2$", kinds=["enhanced"]) == ["X.2.2"]
    assert _codes(r"^X\.7\.26$", kinds=["enhanced"]) == ["X.7.26"]
    # With --class the code is written with the class, and anchors find that.
    assert _codes(r"^5\.7\.26$", kinds=["enhanced"], klass="5") == ["5.7.26"]
    # Titles and descriptions are lines too.
    assert "X.7.26" in _codes("^Multiple authentication checks failed$", kinds=["enhanced"])


def test_word_invert_and_fixed_still_work_with_lines() -> None:
    assert _codes(r"5\.7\.26", word=True, kinds=["enhanced"]) == ["X.7.26"]
    assert _codes("5.7.26", fixed=True, kinds=["enhanced"]) == ["X.7.26"]
    assert _codes("^5.7.26", fixed=True, kinds=["enhanced"]) == []  # a literal "^"
    every = _codes("", kinds=["enhanced"])
    anchored = set(_codes(r"^5\.7", kinds=["enhanced"]))
    assert set(_codes(r"^5\.7", invert=True, kinds=["enhanced"])) == set(every) - anchored
    assert len(anchored) == len([c for c in every if c.startswith("X.7.")])


def test_cli_caret_search(invoke: Invoke) -> None:
    result = invoke("search", "-l", r"^5\.7\.2")
    assert result.exit_code == 0
    assert "X.7.26" in result.stdout.split()


@pytest.mark.parametrize("klass", ["4", "5"])
def test_rules_show_the_class_they_were_selected_for(invoke: Invoke, klass: str) -> None:
    name = {"4": "transient", "5": "permanent"}[klass]
    result = invoke("search", "--kind", "rule", "--class", klass, "")
    assert result.exit_code == 0
    classes = {line.split("\t")[2] for line in result.stdout.splitlines()}
    assert classes == {name}


def test_rules_with_codes_of_two_classes_are_found_by_either(invoke: Invoke) -> None:
    # Gmail's receiving-rate rule is "450/550": --class 5 found it only by its first code.
    for klass, name in (("4", "transient"), ("5", "permanent")):
        result = invoke(
            "search", "--kind", "rule", "--class", klass, "-w", "gmail-receiving-rate-limit"
        )
        assert result.exit_code == 0, klass
        assert result.stdout.split("\t")[2] == name
    alone = invoke("search", "--kind", "rule", "-w", "gmail-receiving-rate-limit")
    assert alone.stdout.split("\t")[2] == "-"  # two classes: neither is the rule's own
    tss04 = invoke("search", "--kind", "rule", "-w", "yahoo-tss04")
    assert tss04.stdout.split("\t")[2] == "transient"  # 421: one class, shown


def test_search_help_says_rules_are_searched(
    invoke: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    result = invoke("search", "--help")
    shown = " ".join((result.stdout + capsys.readouterr().out).split())
    assert "rules" in shown and "TSS04" in shown
    assert "^ and $ match at the start and end of each line" in shown
