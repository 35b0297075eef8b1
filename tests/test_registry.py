"""The registry: data/ against IANA's XML, lookups, and explanations of codes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from conftest import SHARED

from smtpcodes import registry
from smtpcodes.codes import CodeClass
from smtpcodes.explain import explain, explain_code

XML = SHARED / "reference" / "iana" / "smtp-enhanced-status-codes.xml"
NS = {"i": "http://www.iana.org/assignments"}


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _xml_text(rec: ET.Element, tag: str) -> str:
    """An element's text as IANA's CSV renders it: an <xref data="rfc6376"/> inside becomes [RFC6376]."""
    elem = rec.find(f"i:{tag}", NS)
    if elem is None:
        return ""
    parts = [elem.text or ""]
    for child in elem:
        parts.append(f"[{child.get('data', '').upper()}]" + (child.tail or ""))
    return _norm("".join(parts))


def _xml_records(registry_id: str) -> list[ET.Element]:
    if not XML.is_file():
        pytest.skip("../shared/reference is not present")
    root = ET.parse(XML).getroot()
    for reg in root.iter("{http://www.iana.org/assignments}registry"):
        if reg.get("id") == registry_id:
            return reg.findall("i:record", NS)
    raise AssertionError(f"registry {registry_id} not in the XML")


def test_enumerated_codes_match_iana_xml_record_by_record() -> None:
    records = _xml_records("smtp-enhanced-status-codes-3")
    entries = list(registry.enhanced_entries())
    assert len(records) == len(entries) == 81
    for rec, entry in zip(records, entries, strict=True):
        code = _norm(rec.findtext("i:code", namespaces=NS))
        assert entry.key == code
        sample = _norm(rec.findtext("i:sample", namespaces=NS))
        if sample:
            assert entry.title == sample
        assert entry.description == _xml_text(rec, "description")
        assert entry.associated_text == _norm(rec.findtext("i:basic_code", namespaces=NS))
        assert entry.submitter == _norm(rec.findtext("i:submitter", namespaces=NS))
        assert entry.change_controller == _norm(rec.findtext("i:change_controller", namespaces=NS))
        ref_elem = rec.find("i:reference", NS)
        assert ref_elem is not None
        xrefs = [x.get("data", "") for x in ref_elem.iter("{http://www.iana.org/assignments}xref")]
        ours = [r.replace(" ", "").lower().split("section")[0] for r in entry.references]
        assert ours == [x.lower() for x in xrefs] or entry.references == (
            _norm(rec.findtext("i:reference", namespaces=NS)).strip("[]"),
        )


def test_class_and_subject_tables_match_iana_xml() -> None:
    classes = _xml_records("smtp-enhanced-status-codes-1")
    assert [_norm(r.findtext("i:code", namespaces=NS))[0] for r in classes] == ["2", "4", "5"]
    for rec in classes:
        info = registry.class_info(_norm(rec.findtext("i:code", namespaces=NS))[0])
        assert info.title == _norm(rec.findtext("i:summary", namespaces=NS))
        assert info.description == _norm(rec.findtext("i:description", namespaces=NS))
    subjects = _xml_records("smtp-enhanced-status-codes-2")
    assert len(subjects) == 8
    for rec in subjects:
        subject = int(_norm(rec.findtext("i:code", namespaces=NS)).split(".")[1])
        assert registry.subject_info(subject).title == _norm(
            rec.findtext("i:summary", namespaces=NS)
        )


@pytest.mark.parametrize(
    "key", ["X.1.10", "X.3.6", "X.6.7", "X.6.8", "X.6.9", "X.6.10", "X.7.28", "X.7.29", "X.7.30"]
)
def test_newer_records_are_present(key: str) -> None:
    assert registry.lookup_enhanced(key) is not None


def test_deprecated_x_6_10_points_to_x_6_8() -> None:
    entry = registry.lookup_enhanced("5.6.10")
    assert entry is not None and entry.deprecated and entry.replaced_by == "X.6.8"
    (item,) = explain("5.6.10")
    assert any("deprecated" in n and "X.6.8" in n for n in item.notes)
    assert item.to_json()["deprecated"] is True


@pytest.mark.parametrize(
    ("text", "codes", "any_"),
    [
        ("X.1.1", ("451", "550"), False),
        ("X.3.6", ("250", "251"), False),
        ("X.7.24", ("451", "550"), False),
        ("X.7.15", ("450", "550", "4XX", "5XX"), False),
        ("X.7.17", ("5XX",), False),
        ("X.0.0", (), True),
        ("X.1.0", (), False),
        ("X.7.28", (), False),
    ],
)
def test_associated_reply_codes_parsed_from_free_text(
    text: str, codes: tuple[str, ...], any_: bool
) -> None:
    entry = registry.lookup_enhanced(text)
    assert entry is not None
    assert entry.associated == codes
    assert entry.associated_any is any_


def test_references_are_parsed_with_sections() -> None:
    x725 = registry.lookup_enhanced("X.7.25")
    assert x725 is not None and x725.references == ("RFC 7372 section 3.3",)
    x110 = registry.lookup_enhanced("X.1.10")
    assert x110 is not None and x110.references == ("RFC 7505", "RFC 7504")


def test_strict_lookup_rejects_malformed_codes() -> None:
    for bad in ("5.07.1", "3.1.1", "5.1.1000", "5.1", "55.1.1", ""):
        assert registry.lookup_enhanced(bad) is None


def test_explain_registered_enhanced_code() -> None:
    (item,) = explain("5.7.26")
    assert item.registered
    assert item.code_class is CodeClass.PERMANENT
    assert item.title == "Multiple authentication checks failed"
    assert item.subject == "Security or Policy Status"
    assert item.associated == ("550",)
    assert item.references == ("RFC 7372",)
    assert item.retry == "no"
    assert item.advice and "DKIM" in item.advice


def test_explain_unregistered_code_by_class_and_subject() -> None:
    (item,) = explain("4.7.999")
    assert not item.registered
    assert item.code_class is CodeClass.TRANSIENT
    assert item.title is not None
    assert "Persistent Transient Failure" in item.title
    assert "Security or Policy Status" in item.title
    assert "not registered" in item.title
    assert item.retry == "later"
    assert any("RFC 3463 section 2" in n for n in item.notes)


def test_explain_unknown_subject_still_gives_class() -> None:
    (item,) = explain("5.9.1")
    assert not item.registered
    assert item.code_class is CodeClass.PERMANENT
    assert item.subject is None
    assert item.description and "Subject 9 is not defined" in item.description


def test_explain_pairs_reply_and_enhanced_codes() -> None:
    items = explain("550 5.7.26")
    assert len(items) == 1
    assert items[0].reply_code == "550" and items[0].enhanced_code == "5.7.26"
    data = items[0].to_json()
    assert data["title"] == "Multiple authentication checks failed"
    reply = data["reply"]
    assert isinstance(reply, dict) and reply["code"] == "550"


def test_explain_finds_codes_inside_punctuation() -> None:
    assert [i.enhanced_code for i in explain("(#5.7.26) and X.7.1;")] == ["5.7.26", "X.7.1"]


def test_explain_registry_notation_without_class() -> None:
    (item,) = explain("X.7.26")
    assert item.registered and item.code_class is None
    assert not item.found or item.code_class is None


def test_explain_reply_code_alone() -> None:
    item = explain_code("421", None)
    assert item.code_class is CodeClass.TRANSIENT
    assert item.registered and item.title
    assert item.retry == "later"


@pytest.mark.parametrize("code", ["571", "471"])
def test_nonstandard_reply_codes_are_flagged(code: str) -> None:
    (item,) = explain(code)
    assert not item.registered
    assert any("not a standard" in n for n in item.notes)
    assert any("second digit" in n or "5.7.1" in n or "4.7.1" in n for n in item.notes)


def test_not_a_reply_code() -> None:
    (item,) = explain("999")
    assert not item.found
    assert any("first digit" in n for n in item.notes)


def test_reply_digits_for_unassigned_but_grammatical_code() -> None:
    item = explain_code("526", None)
    assert item.code_class is CodeClass.PERMANENT
    assert not item.registered
    assert item.title and "Unassigned" in item.title


@pytest.mark.parametrize(
    ("code", "provider_word"),
    [
        ("5.1.10", "Microsoft"),
        ("5.7.12", "Microsoft"),
        ("5.7.708", "Microsoft"),
        ("4.7.650", "Microsoft"),
    ],
)
def test_vendor_meanings_side_by_side(code: str, provider_word: str) -> None:
    (item,) = explain(code)
    assert item.vendor, f"no vendor meaning for {code}"
    assert any(
        provider_word in v.provider or provider_word.lower() in v.provider for v in item.vendor
    )
    assert all(v.source for v in item.vendor)
    if item.registered:
        assert any("registry says" in n for n in item.notes)
