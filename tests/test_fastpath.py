"""The precomputed index of bare codes is current and gives exactly what the full path gives."""

from __future__ import annotations

import json

import pytest
from conftest import REPO, Invoke

from smtpcodes import fastpath
from smtpcodes.codes import find_codes
from smtpcodes.diagnose import analyse


def test_index_is_current() -> None:
    current = (REPO / "data" / fastpath.INDEX).read_text(encoding="utf-8")
    assert current == fastpath.build(), (
        "data/explain-index.tsv is stale: python -m smtpcodes.fastpath data/explain-index.tsv"
    )


def test_every_registered_code_is_indexed() -> None:
    keys = set(fastpath.index_keys())
    index = (REPO / "data" / fastpath.INDEX).read_text(encoding="utf-8")
    indexed = {line.split("\t", 1)[0] for line in index.splitlines()[1:]}
    assert {"5.7.26", "X.7.26", "4.7.1", "550", "421", "571", "111"} <= indexed
    assert indexed <= keys


@pytest.mark.parametrize("text", ["5.7.26", "X.7.1", "550", "4.2.2", "571", "#5.1.1", "2.0.0"])
def test_fast_path_equals_full_path(text: str) -> None:
    tokens = find_codes(text)
    fast = fastpath.lookup(tokens)
    assert fast is not None
    full = [v.to_json() for _, v in analyse(text, "codes") if v is not None]
    assert json.loads(json.dumps(fast)) == json.loads(json.dumps(full))


def test_pairs_and_unregistered_codes_take_the_full_path() -> None:
    assert fastpath.lookup(find_codes("550 5.7.26")) is None
    assert fastpath.lookup(find_codes("4.7.999")) is None
    assert fastpath.lookup(find_codes("5.7.26 4.7.999")) is None


def test_cli_answers_the_same_either_way(invoke: Invoke) -> None:
    fast = invoke("explain", "5.7.26", "--json")
    full = invoke("explain", "--as", "reply", "5.7.26", "--json")
    assert fast.exit_code == 0
    assert json.loads(fast.stdout)[0]["title"] == "Multiple authentication checks failed"
    slow = invoke("explain", "5.7.26", "999", "--json")  # a bad token sends it down the full path
    assert json.loads(slow.stdout)[0] == json.loads(fast.stdout)[0]
    assert full.exit_code in (0, 1)
