"""The README documents what scripts depend on: categories, JSON keys, exit statuses, commands."""

from __future__ import annotations

import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_category_is_documented() -> None:
    with open(ROOT / "data" / "categories.csv", encoding="utf-8", newline="") as f:
        ids = [row["id"] for row in csv.DictReader(f)]
    assert len(ids) == 33
    for cat in ids:
        assert f"| `{cat}` |" in README, cat


def test_the_two_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    assert "pip install . && smtpcodes explain 5.7.26\n" in blocks
    test_cmd = "pip install '.[test]' && pytest && mypy && ruff check && ruff format --check\n"
    assert test_cmd in blocks
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_cmd.strip() in ci


def test_json_keys_are_documented() -> None:
    for key in (
        "input",
        "reply_code",
        "enhanced_code",
        "class",
        "registered",
        "references",
        "findings",
        "category",
        "bounce",
        "retry",
        "action",
        "party",
        "provider",
        "evidence",
        "confidence",
        "mappings",
        "recipient",
        "action_field",
    ):
        assert f"`{key}`" in README, key


def test_every_command_appears() -> None:
    for command in ("explain", "search", "validate", "list", "scan"):
        assert f"smtpcodes {command}" in README


def test_category_table_matches_the_data() -> None:
    with open(ROOT / "data" / "categories.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            line = next(ln for ln in README.splitlines() if ln.startswith(f"| `{row['id']}` |"))
            assert row["description"] in line and row["action"] in line, row["id"]


def test_scan_plain_columns_are_documented() -> None:
    from smtpcodes.scan import PLAIN_COLUMNS

    text = " ".join(README.split("`--format plain` writes", 1)[1].split("\n\n", 1)[0].split())
    listed = re.findall(r"`([a-z_]+)`", text.split(":", 1)[1])
    assert tuple(listed) == PLAIN_COLUMNS
