"""The typed library API: every exported name resolves, and the README's example holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import smtpcodes
from smtpcodes.codes import CodeClass


def test_every_exported_name_resolves() -> None:
    for name in smtpcodes.__all__:
        assert getattr(smtpcodes, name) is not None, name
    assert sorted(dir(smtpcodes)) == sorted(dir(smtpcodes))


def test_readme_library_example() -> None:
    from smtpcodes.diagnose import diagnose
    from smtpcodes.explain import explain
    from smtpcodes.search import search
    from smtpcodes.validate import validate

    entry = smtpcodes.lookup_enhanced("5.7.26")
    assert entry is not None and entry.title == "Multiple authentication checks failed"
    [item] = explain("550 5.7.26")
    assert item.code_class is CodeClass.PERMANENT
    [verdict] = diagnose("550 5.1.1 <a@example.com>: Recipient address rejected: User unknown")
    assert (verdict.category, verdict.bounce, verdict.retry) == ("user-unknown", "hard", "no")
    data = verdict.to_json()
    assert data["category"] == "user-unknown" and data["enhanced_code"] == "5.1.1"
    assert validate("550 4.7.1 denied")[0].valid is False
    codes = [e.code for e in search("dkim", ignore_case=True, kinds=["enhanced"])]
    assert codes[:1] == ["X.7.20"]


def test_submodule_names_stay_submodules() -> None:
    import smtpcodes.diagnose
    import smtpcodes.scan

    for name in ("explain", "diagnose", "validate", "search", "scan"):
        assert name not in smtpcodes.__all__, name


def test_package_is_typed() -> None:
    from pathlib import Path

    assert (Path(smtpcodes.__file__).parent / "py.typed").is_file()


# -- what a developer tried first (a library trial) ------------------------------------------------

_PARSE = __file__.rsplit("/", 1)[0] + "/fixtures/parse/"


def _mbox() -> bytes:
    out = b""
    for name in ("qmail.eml", "exim.eml", "dsn.eml"):
        with open(_PARSE + name, "rb") as f:
            out += b"From MAILER-DAEMON Fri Nov 20 10:00:00 2026\n" + f.read().rstrip(b"\n")
        out += b"\n\n"
    return out


def test_diagnose_reads_every_message_of_an_mbox_as_explain_does() -> None:
    from smtpcodes.diagnose import diagnose

    data = _mbox()
    verdicts = diagnose(data)
    # One message's worth was all diagnose() used to read of an mbox.
    assert sorted({v.reply.location or "" for v in verdicts}) == ["#1", "#2", "#3"]
    assert [v.to_json() for v in diagnose(data.decode())] == [v.to_json() for v in verdicts]


def test_diagnose_reads_utf16_behind_a_byte_order_mark() -> None:
    from smtpcodes.diagnose import diagnose

    text = "550 5.1.1 <bob@example.com>: User unknown\n"
    [verdict] = diagnose(b"\xff\xfe" + text.encode("utf-16-le"))
    assert (verdict.category, verdict.enhanced_code) == ("user-unknown", "5.1.1")


def test_wrong_types_fail_at_the_door_with_a_type_error() -> None:
    import pytest

    from smtpcodes.diagnose import diagnose
    from smtpcodes.explain import explain
    from smtpcodes.validate import validate

    calls: dict[str, Callable[[Any], object]] = {
        "diagnose": diagnose,
        "analyse": smtpcodes.analyse,
        "explain": explain,
        "parse_text": smtpcodes.parse_text,
        "validate": validate,
        "validate_reply": smtpcodes.validate_reply,
        "validate_code": smtpcodes.validate_code,
        "lookup_enhanced": smtpcodes.lookup_enhanced,
        "lookup_reply": smtpcodes.lookup_reply,
        "find_codes": smtpcodes.find_codes,
    }
    for name, call in calls.items():
        for wrong in (None, 550, 5.7):
            with pytest.raises(TypeError, match=rf"^{name}\(\) takes .*{type(wrong).__name__}$"):
                call(wrong)
                pytest.fail(f"{name}({wrong!r}) did not raise")


def test_explain_stops_at_max_items_and_says_so() -> None:
    from smtpcodes import limits
    from smtpcodes.explain import explain

    with limits.applied(limits.Limits(max_items=10)) as report:
        assert len(explain("550 " * 3000)) == 10
    assert [c.limit for c in report.cuts] == ["max_items"]
    assert "only the first 10 were explained" in report.cuts[0].message


def test_a_bare_permanent_code_is_not_to_be_retried_as_it_is() -> None:
    # RFC 5321 4.2.1: after a 5yz the client SHOULD NOT repeat the exact request.
    from smtpcodes.diagnose import diagnose

    [verdict] = diagnose("550")
    assert (verdict.category, verdict.retry) == ("undetermined", "no")
    [verdict] = diagnose("450")
    assert (verdict.category, verdict.retry) == ("undetermined", "later")
