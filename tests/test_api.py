"""The typed library API: every exported name resolves, and the README's example holds."""

from __future__ import annotations

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
