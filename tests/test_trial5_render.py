"""Fixes from the fifth user trial: what the panel, the tables and plain lines say."""

from __future__ import annotations

import pytest
from conftest import Invoke


def _rows(text: str) -> list[str]:
    """The panel's rows, without its border."""
    return [line.strip("│ ").rstrip() for line in text.splitlines()]


def test_a_reply_code_lists_its_enhanced_codes_under_that_label(invoke: Invoke) -> None:
    reply = invoke("explain", "550", "--format", "table")
    assert reply.exit_code == 0
    assert any(r.startswith("Enhanced codes  5.1.1, ") for r in _rows(reply.stdout))
    assert not any(r.startswith("Reply codes") for r in _rows(reply.stdout))
    enhanced = invoke("explain", "5.1.1", "--format", "table")
    assert any(r.startswith("Reply codes") and "550" in r for r in _rows(enhanced.stdout))
    assert not any(r.startswith("Enhanced codes") for r in _rows(enhanced.stdout))


@pytest.mark.parametrize("args", [("550",), ("550 user unknown",)])
def test_the_label_holds_on_every_path(invoke: Invoke, args: tuple[str, ...]) -> None:
    # "550" alone is answered from the index, a reply by the core: the same label.
    shown = invoke("explain", *args, "--format", "table").stdout
    assert "Reply codes    5." not in shown
