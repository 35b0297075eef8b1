"""Every "RFC NNNN section X.Y" the data cites names a section of that RFC which says what is cited.

Checked against the RFC texts in ../shared/reference/rfc when they are there (skipped when not):
the section exists; an RFC 3463 detail code is cited at its own section (3.1 for X.0.x to 3.8 for
X.7.x) and a class or subject at section 2; and a row about one code (advice.csv, code-categories.csv)
cites, of each RFC that mentions the code, a section that mentions it.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterator
from typing import NamedTuple

import pytest
from conftest import REPO, SHARED

RFC_DIR = SHARED / "reference" / "rfc"
DATA = REPO / "data"
CITING_FILES = [*sorted(p.name for p in DATA.glob("*.csv")), "explain-index.tsv"]

# A heading starts at the left margin: "3.4  Mail system status", "4.5.3.1.10.  Too Many ...".
_HEADING = re.compile(r"^(\d+(?:\.\d+)*)\.?[ \t]+\S", re.MULTILINE)
_NUMBER = r"\d+(?:\.\d+)*"
# "RFC 5321 section 4.2.3", "RFC 5321 sections 3.4, 4.2.3 and 7.4", "RFC 7372 sections 3.1-3.4"
_CITATION = re.compile(
    rf"RFC ?(?P<rfc>\d+),? [Ss]ections? (?P<sections>{_NUMBER}(?:(?:,? and |, |-){_NUMBER})*)"
)
# An RFC 3463 citation and what it is about: "RFC 3463 section 3.2 (X.1.1)", "... (class 5: ...)".
_RFC3463 = re.compile(
    rf"RFC 3463 section (?P<section>{_NUMBER})(?: and RFC \d+ sections? [^()]*)? "
    r"\((?:X\.(?P<subject>\d+)(?:\.(?P<detail>\d+))?|(?P<klass>class))"
)


class Citation(NamedTuple):
    rfc: str
    sections: tuple[str, ...]
    text: str


def _need_rfcs() -> None:
    if not RFC_DIR.is_dir():
        pytest.skip("../shared/reference/rfc is not present")


@functools.cache
def _sections(rfc: str) -> dict[str, str] | None:
    """Each section's number and its text, subsections included; None when the RFC is absent."""
    path = RFC_DIR / f"rfc{rfc}.txt"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    heads = [(m.group(1), m.start()) for m in _HEADING.finditer(text)]
    out: dict[str, str] = {}
    for i, (number, start) in enumerate(heads):
        end = next(
            (s for n, s in heads[i + 1 :] if not n.startswith(number + ".")),
            len(text),
        )
        out.setdefault(number, text[start:end])
    return out


def _citations(text: str) -> Iterator[Citation]:
    for m in _CITATION.finditer(text):
        numbers = tuple(re.findall(_NUMBER, m.group("sections")))
        yield Citation(m.group("rfc"), numbers, m.group(0))


def _mentions(text: str, code: str) -> bool:
    """Whether the RFC text names the code: X.7.8 as X.7.8, 5.7.8 or 4.7.8; 556 as 556."""
    if code.startswith("X."):
        _, subject, detail = code.split(".")
        pattern = rf"(?<![\w.])[X245]\.{subject}\.{detail}(?![\d])"
    else:
        pattern = rf"(?<![\d.]){code}(?![\d])"
    return re.search(pattern, text) is not None


def _read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", CITING_FILES)
def test_every_cited_section_exists(name: str) -> None:
    _need_rfcs()
    wrong = []
    for cite in _citations(_read(name)):
        sections = _sections(cite.rfc)
        if sections is None:
            continue  # an RFC we hold no text of (RFC 8689, RFC 7208, ...)
        wrong += [f"{cite.text}: no section {s}" for s in cite.sections if s not in sections]
    assert not sorted(set(wrong)), f"{name} cites sections that do not exist"


def test_the_section_finder_reads_the_rfc_texts() -> None:
    _need_rfcs()
    rfc3463 = _sections("3463")
    assert rfc3463 is not None
    assert {"2", "3.1", "3.8"} <= set(rfc3463) and "3.9" not in rfc3463
    assert _mentions(rfc3463["3.2"], "X.1.1") and not _mentions(rfc3463["3.3"], "X.1.1")
    rfc5321 = _sections("5321")
    assert rfc5321 is not None and "452" in rfc5321["4.5.3.1.10"]
    assert "4.5.3.1.10" in rfc5321["4.5.3.1"]  # a section holds its subsections


@pytest.mark.parametrize("name", CITING_FILES)
def test_rfc3463_is_cited_at_the_codes_own_section(name: str) -> None:
    # RFC 3463 section 2 defines the classes and subjects; section 3.(s+1) the details of X.s.x.
    wrong = []
    for m in _RFC3463.finditer(_read(name)):
        detail = m.group("detail") is not None
        expected = f"3.{int(m.group('subject')) + 1}" if detail else "2"
        if m.group("section") != expected:
            wrong.append(f"{m.group(0)} should cite section {expected}")
    assert not sorted(set(wrong))


def _rows() -> Iterator[tuple[str, str, str]]:
    """(file, code, source) of each row about one code."""
    for row in csv.DictReader(_read("advice.csv").splitlines()):
        yield "advice.csv", row["key"], row["source"]
    for row in csv.DictReader(_read("code-categories.csv").splitlines()):
        yield "code-categories.csv", row["code"], row["source"]


def test_a_code_is_cited_at_a_section_that_names_it() -> None:
    _need_rfcs()
    wrong = []
    for name, code, source in _rows():
        if code.count(".") != 2 and not code.isdigit():
            continue  # a class or subject: RFC 3463 section 2 (checked above)
        cited: dict[str, list[str]] = {}
        for cite in _citations(source):
            cited.setdefault(cite.rfc, []).extend(cite.sections)
        for rfc, numbers in cited.items():
            sections = _sections(rfc)
            if sections is None or not any(_mentions(t, code) for t in sections.values()):
                continue  # cited for context (RFC 5321 on 452 vs 552), not for the code
            if not any(_mentions(sections.get(n, ""), code) for n in numbers):
                wrong.append(f"{name} {code}: RFC {rfc} sections {numbers} do not name it")
    assert not wrong


def test_class_and_subject_advice_cite_rfc3463_section_2() -> None:
    for row in csv.DictReader(_read("advice.csv").splitlines()):
        if row["key"].count(".") < 2 and "RFC 3463" in row["source"]:
            assert "RFC 3463 section 2 " in row["source"], row


@pytest.mark.parametrize(
    ("code", "cited"),
    [
        ("X.1.1", "RFC 3463 section 3.2"),
        ("X.3.6", "RFC 6710 section 4.1"),
        ("X.6.7", "RFC 6531 section 3.5"),
        ("X.6.8", "RFC 6531 section 3.7.4.2"),
        ("X.6.9", "RFC 6531 section 3.5"),
        ("X.7.1", "RFC 3463 section 3.8"),
        ("X.7.15", "RFC 6710 section 4.1"),
        ("X.7.16", "RFC 6710 section 5"),
        ("X.7.17", "RFC 7293 sections 5.1 and 15.3"),
        ("X.7.19", "RFC 7293 sections 5 and 15.3"),
        ("556", "RFC 7504 section 4"),
    ],
)
def test_audited_category_sources(code: str, cited: str) -> None:
    # The sections the RFC audit checked by hand; they hold without the RFC texts too.
    rows = {
        r["code"]: r["source"] for r in csv.DictReader(_read("code-categories.csv").splitlines())
    }
    assert rows[code].startswith(cited + " ("), rows[code]
