"""The completion scripts in completions/ are what Click generates today."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from smtpcodes.cli import cli, complete_code

COMPLETIONS = Path(__file__).resolve().parents[1] / "completions"


def _generator() -> object:
    spec = importlib.util.spec_from_file_location("generate", COMPLETIONS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("shell", "name"),
    [("bash", "smtpcodes.bash"), ("zsh", "_smtpcodes"), ("fish", "smtpcodes.fish")],
)
def test_scripts_are_up_to_date(shell: str, name: str) -> None:
    gen = _generator()
    expected = gen.script(shell)  # type: ignore[attr-defined]
    assert (COMPLETIONS / name).read_text(encoding="utf-8") == expected, (
        "run: python completions/generate.py"
    )


def test_code_completion_has_titles() -> None:
    import click

    ctx = click.Context(cli)
    items = complete_code(ctx, cli.commands["explain"].params[0], "5.7.2")
    values = {i.value: i.help for i in items}
    assert values["5.7.26"] == "Multiple authentication checks failed"
    assert all(v.startswith("5.7.2") for v in values)
    replies = {i.value for i in complete_code(ctx, cli.commands["explain"].params[0], "55")}
    assert {"550", "554", "556"} <= replies
