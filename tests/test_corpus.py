"""The diagnosis against the real bounces of ../shared/corpus (skipped when it is absent).

Targets (issue 3): enhanced code 97%, category 90%, hard/soft 95%. The labels are Sisimai 5.1.0's;
where we disagree on the merits (benchmarks/corpus_report.py MERITS, each with its reason) the
merit-adjusted figures count the case as agreement. Raw agreement is held at its floors so that a
regression shows even while the raw targets are not reached (see the report's MERITS section for
why the remaining rows differ).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "set-of-emails"

# Raw agreement measured on 2026-11-23: category 87.6% (586/669), hard/soft 94.5% (632/669). The
# category floor went from 0.880 to 0.875 when five delay notices (Action: delayed, X.4.7) that we
# had called 'expired' joined the delay-notice merit group: each says the sending server is still
# trying (OpenSMTPD's: "You DO NOT NEED to re-send"), as the group's seven others do.
RAW_FLOORS = {"category": 0.875, "bounce": 0.944}


def _report_module() -> ModuleType:
    name = "corpus_report"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / "corpus_report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def report() -> Any:
    if not (CORPUS / "labels.jsonl").is_file():
        pytest.skip("../shared/corpus is not present")
    return _report_module().evaluate(CORPUS)


def _ratio(pair: tuple[int, int]) -> float:
    return pair[0] / pair[1] if pair[1] else 1.0


def test_enhanced_codes_agree(report: Any) -> None:
    assert _ratio(report.enhanced) >= 0.97


def test_categories_agree(report: Any) -> None:
    assert _ratio(report.category_merits) >= 0.90
    assert _ratio(report.category) >= RAW_FLOORS["category"]


def test_hard_and_soft_agree(report: Any) -> None:
    assert _ratio(report.bounce_merits) >= 0.95
    assert _ratio(report.bounce) >= RAW_FLOORS["bounce"]


def test_every_merit_is_used_and_explained(report: Any) -> None:
    module = _report_module()
    used = {line.split("\t")[2] for line in report.merits}
    for merit in module.MERITS:
        assert merit.reason.strip(), merit.name
        assert merit.name in used, f"{merit.name} covers no row any more: drop or fix it"


def test_every_verdict_cites_its_evidence(report: Any) -> None:
    for row in report.rows:
        verdict = row.verdict
        if verdict is None:
            continue
        assert verdict.evidence, row.sample
        assert all(e.rule and e.source for e in verdict.evidence), row.sample
        assert verdict.confidence in ("high", "medium", "low")
        if verdict.conflict is not None:
            assert "wins" in verdict.conflict
