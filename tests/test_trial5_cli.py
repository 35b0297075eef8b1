"""Fixes from the fifth user trial: the CLI's usage, output errors, and interrupted summaries."""

from __future__ import annotations

import pytest
from conftest import Invoke


def test_no_command_prints_the_help_on_real_lines_and_exits_2(invoke: Invoke) -> None:
    result = invoke()
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "\\n" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "Usage: smtpcodes [OPTIONS] COMMAND [ARGS]..."
    assert any(line.strip().startswith("explain") for line in lines)
    assert "internal error" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("bogus",),
        ("explain", "--bad"),
        ("search",),
        ("list", "--kind", "foo"),
        ("search", "-E", "-F", "x"),
        ("explain", "--max-bytes", "0", "550"),
    ],
)
def test_other_usage_errors_stay_one_line(invoke: Invoke, args: tuple[str, ...]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("smtpcodes: error: ")
