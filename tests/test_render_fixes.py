"""Defects a fresh-user trial found in output: each test fails without its fix."""

from __future__ import annotations

import json
import random

from conftest import Invoke

from smtpcodes.render import brief
from smtpcodes.validate import PER_RULE, validate_reply

# --- 1. validate: findings and output proportional to the input ------------------------------------


def _junk(lines: int, seed: int = 1) -> str:
    """Lines that begin with no reply code, some over 512 octets, with escapes and tabs (text:
    `validate` refuses binary data)."""
    rng = random.Random(seed)
    alphabet = "abc xyz\t\x1b~é"
    return "\n".join(
        "".join(rng.choice(alphabet) for _ in range(rng.choice((20, 600)))) for _ in range(lines)
    )


def test_one_reply_of_junk_lines_gives_a_few_findings_per_rule() -> None:
    v = validate_reply(_junk(2000))
    by_rule: dict[str, list[str]] = {}
    for f in v.findings:
        by_rule.setdefault(f.rule, []).append(f.message)
    assert set(by_rule) == {"reply-syntax", "line-too-long"}
    for rule, messages in by_rule.items():
        assert len(messages) == PER_RULE + 1, rule
        assert all(m.startswith("line ") for m in messages[:PER_RULE]), messages
    syntax = [f for f in v.findings if f.rule == "reply-syntax"]
    assert [f.message.split(" ")[1] for f in syntax[:PER_RULE]] == ["1", "2", "3"]
    rest = syntax[-1]
    assert rest.severity == "error" and rest.reference == "RFC 5321 section 4.2"
    assert rest.message.startswith(f"{2000 - PER_RULE:,} more lines ")
    assert "lines 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 and 1,987 more" in rest.message
    assert not v.valid


def test_a_few_bad_lines_are_each_described() -> None:
    v = validate_reply(_junk(PER_RULE))
    assert [f.message.split(" ")[1] for f in v.findings if f.rule == "reply-syntax"] == [
        "1",
        "2",
        "3",
    ]
    one_more = validate_reply(_junk(PER_RULE + 1))
    last = [f for f in one_more.findings if f.rule == "reply-syntax"][-1]
    assert last.message.startswith("1 more line with the same problem") and "line 4" in last.message


def test_per_line_enhanced_findings_are_summed_up_too() -> None:
    reply = "550-5.7.1 first\n" + "550-no code here\n" * 50 + "550 5.7.2 last"
    v = validate_reply(reply)
    missing = [f for f in v.findings if f.rule == "missing-enhanced-on-line"]
    assert len(missing) == PER_RULE + 1
    assert missing[-1].message.startswith("47 more lines ")
    assert len([f for f in v.findings if f.rule == "multiline-enhanced-mismatch"]) == 1


def test_validate_plain_output_stays_proportional(invoke: Invoke) -> None:
    r = invoke("validate", "--format", "plain", input=_junk(1500))
    assert r.exit_code == 1
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert len(rows) == 2 * (PER_RULE + 1)
    assert len(r.stdout) < 5_000  # it was the whole input again on every row: megabytes
    for row in rows:
        assert len(row) == 5
        assert len(row[0]) <= 80 and row[0].endswith("…")
    assert "\\x1b" in rows[0][0] and "\x1b" not in r.stdout  # escaped, as before


def test_validate_table_output_stays_proportional(invoke: Invoke) -> None:
    r = invoke("validate", "--format", "table", input=_junk(1500))
    assert r.exit_code == 1
    assert len(r.stdout) < 30_000
    assert f"{1500 - PER_RULE:,}" in r.stdout  # the lines not described, counted


def test_validate_json_keeps_the_whole_input(invoke: Invoke) -> None:
    data = _junk(300)
    r = invoke("validate", "--json", input=data)
    (v,) = json.loads(r.stdout)
    assert v["input"] == data
    assert len(v["findings"]) == 2 * (PER_RULE + 1)


def test_brief_is_one_line_and_short() -> None:
    assert brief("550 5.7.1 ok") == "550 5.7.1 ok"
    assert brief("550-a\r\n550  b\t c\n") == "550-a 550 b c"
    assert brief(None) == ""
    long = brief("x" * 500)
    assert long == "x" * 79 + "…"
    # An escape is never cut in half.
    cut = brief("a" * 76 + "\x1b" * 10)
    assert cut.endswith("…") and len(cut) <= 80 and not cut[:-1].endswith(("\\", "\\x", "\\x1"))
    assert brief("\u202e" + "y" * 10) == "\\u202e" + "y" * 10
