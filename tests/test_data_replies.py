"""The reply-code data files: data/reply-codes.csv and data/reply-digits.csv.

These tests read the CSV files directly, not through the registry, so a broken row is reported as
a data error with its code and context. Where the RFC texts in ../shared/reference/rfc are present,
the titles are also checked against the RFCs themselves.
"""

from __future__ import annotations

import csv
import datetime
import functools
import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
RFC_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference" / "rfc"

REPLY_HEADER = [
    "code",
    "context",
    "title",
    "description",
    "usual_enhanced",
    "reference",
    "standard",
    "note",
    "advice",
    "source",
    "checked",
]
DIGITS_HEADER = ["position", "digit", "meaning", "reference"]

# RFC 5321 section 4.2.3, "Reply Codes in Numeric Order".
RFC5321_CODES = [
    *("211", "214", "220", "221", "250", "251", "252", "354"),
    *("421", "450", "451", "452", "455"),
    *("500", "501", "502", "503", "504", "550", "551", "552", "553", "554", "555"),
]
EXTENSION_CODES = [
    *("521", "556"),  # RFC 7504
    *("235", "334", "432", "454", "530", "534", "535", "538"),  # RFC 4954, RFC 3207
    *("253", "458", "459"),  # RFC 1985 (ETRN)
    "453",  # RFC 2645 (ATRN)
    *("523", "525"),  # RFC 5248 (associated with X.7.10 and X.7.13)
]

# Each extension context and the RFC that defines its replies.
CONTEXT_RFC = {
    "AUTH": "RFC 4954",
    "STARTTLS": "RFC 3207",
    "SIZE": "RFC 1870",
    "ETRN": "RFC 1985",
    "ATRN": "RFC 2645",
    "SMTPUTF8": "RFC 6531",
    "RRVS": "RFC 7293",
    "null MX": "RFC 7505",
    "MT-PRIORITY": "RFC 6710",
    "CHUNKING": "RFC 3030",
    "BURL": "RFC 4468",
    "email authentication": "RFC 7372",
}

# Reply-code = %x32-35 %x30-35 %x30-39 (RFC 5321 section 4.2).
REPLY_GRAMMAR = re.compile(r"[2-5][0-5][0-9]")
# status-code = class "." subject "." detail, 1*3digit without leading zeros (RFC 3463 section 2).
ENHANCED_SYNTAX = re.compile(r"([245])\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

Row = dict[str, str]


def _records(name: str) -> list[list[str]]:
    text = (DATA / name).read_text(encoding="utf-8")
    assert not text.startswith("\ufeff"), f"{name} starts with a byte-order mark"
    return list(csv.reader(text.splitlines(keepends=True), strict=True))


@functools.cache
def reply_records() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(r) for r in _records("reply-codes.csv"))


@functools.cache
def reply_rows() -> tuple[Row, ...]:
    header, *body = reply_records()
    # Not strict: a short record is reported by test_every_record_has_every_field, not at import.
    return tuple(dict(zip(header, record, strict=False)) for record in body)


@functools.cache
def digit_rows() -> tuple[Row, ...]:
    header, *body = _records("reply-digits.csv")
    return tuple(dict(zip(header, record, strict=False)) for record in body)


@functools.cache
def registered_enhanced() -> frozenset[str]:
    """The enumerated codes of the IANA registry shipped in data/, as "X.s.d"."""
    with (DATA / "smtp-enhanced-status-codes-3.csv").open(encoding="utf-8", newline="") as f:
        return frozenset(row["Code"].strip() for row in csv.DictReader(f))


def rows_for(code: str) -> list[Row]:
    return [r for r in reply_rows() if r["code"] == code]


def row_id(row: Row) -> str:
    return f"{row.get('code')}/{row.get('context') or 'base'}"


ALL_ROWS = reply_rows()


# --- the files as CSV ---------------------------------------------------------------------------


def test_reply_codes_header_is_exact() -> None:
    assert list(reply_records()[0]) == REPLY_HEADER


def test_reply_digits_header_is_exact() -> None:
    assert _records("reply-digits.csv")[0] == DIGITS_HEADER


@pytest.mark.parametrize("name", ["reply-codes.csv", "reply-digits.csv"])
def test_every_record_has_every_field(name: str) -> None:
    header, *body = _records(name)
    assert body, f"{name} has no rows"
    for number, record in enumerate(body, start=2):
        assert len(record) == len(header), f"{name} record {number}: {record}"
        for value in record:
            assert value == value.strip(), f"{name} record {number}: stray whitespace in {value!r}"
            assert "\n" not in value and "\r" not in value, f"{name} record {number}: line break"


def test_no_duplicate_code_and_context() -> None:
    keys = [(r["code"], r["context"]) for r in ALL_ROWS]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates


# --- each row -----------------------------------------------------------------------------------


@pytest.mark.parametrize("row", ALL_ROWS, ids=row_id)
def test_row_is_complete(row: Row) -> None:
    assert re.fullmatch(r"[0-9]{3}", row["code"])
    for column in ("title", "description", "reference", "advice", "source", "checked"):
        assert row[column], f"{column} is empty"
    assert row["standard"] in ("yes", "no")
    assert ISO_DATE.fullmatch(row["checked"])
    datetime.date.fromisoformat(row["checked"])  # a real calendar date


@pytest.mark.parametrize("row", ALL_ROWS, ids=row_id)
def test_context_is_known_and_cites_its_rfc(row: Row) -> None:
    context = row["context"]
    if context:
        assert context in CONTEXT_RFC, f"unknown context {context!r}"
        assert CONTEXT_RFC[context] in row["reference"]
        assert CONTEXT_RFC[context] in row["source"]


@pytest.mark.parametrize("row", ALL_ROWS, ids=row_id)
def test_standard_rows_follow_the_grammar_and_cite_an_rfc(row: Row) -> None:
    if row["standard"] == "yes":
        assert REPLY_GRAMMAR.fullmatch(row["code"]), "a standard code must follow RFC 5321 4.2"
        assert row["note"] == "", "the note is only for non-standard codes"
        assert row["reference"].startswith("RFC ")
        assert "RFC " in row["source"]
    else:
        assert row["note"], "a non-standard code needs a note saying why"


@pytest.mark.parametrize("row", ALL_ROWS, ids=row_id)
def test_ungrammatical_codes_are_flagged_with_the_broken_digit(row: Row) -> None:
    code = row["code"]
    if REPLY_GRAMMAR.fullmatch(code):
        return
    assert row["standard"] == "no"
    note = row["note"].lower()
    if code[0] not in "2345":
        assert "first digit" in note
    elif code[1] not in "012345":
        assert f"second digit {code[1]}" in note


@pytest.mark.parametrize("row", ALL_ROWS, ids=row_id)
def test_usual_enhanced_codes_are_valid_and_match_the_class(row: Row) -> None:
    codes = row["usual_enhanced"].split()
    assert len(codes) == len(set(codes)), "an enhanced code is listed twice"
    assert row["usual_enhanced"] == " ".join(codes), "separate the codes with single spaces"
    for code in codes:
        m = ENHANCED_SYNTAX.fullmatch(code)
        assert m, f"{code} breaks the RFC 3463 section 2 syntax"
        # RFC 2034 section 4: the class must agree with the reply's first digit.
        assert m.group(1) == row["code"][0], f"{code} does not match reply {row['code']}"
        key = f"X.{m.group(2)}.{m.group(3)}"
        assert key in registered_enhanced(), f"{code} is not in the IANA registry"


def test_standard_flag_agrees_across_the_rows_of_a_code() -> None:
    # The registry calls a code standard only when all its rows are; a mixed code would be hidden.
    mixed = sorted(
        {r["code"] for r in ALL_ROWS if {x["standard"] for x in rows_for(r["code"])} != {"yes"}}
        & {r["code"] for r in ALL_ROWS if r["standard"] == "yes"}
    )
    assert not mixed


# --- coverage -----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", RFC5321_CODES)
def test_rfc5321_code_has_a_standard_base_row(code: str) -> None:
    base = [r for r in rows_for(code) if r["context"] == ""]
    assert len(base) == 1
    assert base[0]["standard"] == "yes"
    assert "RFC 5321" in base[0]["reference"]


@pytest.mark.parametrize("code", EXTENSION_CODES)
def test_extension_code_is_present(code: str) -> None:
    assert rows_for(code)


@pytest.mark.parametrize(("code", "enhanced"), [("571", "5.7.1"), ("471", "4.7.1")])
def test_x7x_codes_are_flagged_as_misread_enhanced_codes(code: str, enhanced: str) -> None:
    (row,) = rows_for(code)
    assert row["standard"] == "no"
    assert "second digit 7" in row["note"].lower()
    assert enhanced in row["note"]
    assert enhanced in row["usual_enhanced"].split()


@pytest.mark.parametrize("code", ["101", "111"])
def test_client_side_errors_are_not_smtp_replies(code: str) -> None:
    (row,) = rows_for(code)
    assert row["standard"] == "no"
    assert "not an smtp reply" in row["note"].lower()


@pytest.mark.parametrize(
    ("code", "context", "enhanced"),
    [
        ("556", "", "5.1.10"),  # RFC 7504 section 6, RFC 7505 section 4.1
        ("556", "null MX", "5.1.10"),
        ("550", "null MX", "5.7.27"),  # RFC 7505 section 4.1
        ("550", "RRVS", "5.7.17"),  # RFC 7293 section 15.3
        ("521", "", "5.3.2"),  # RFC 7504 section 6
        ("523", "", "5.7.10"),  # RFC 5248 section 2.4
        ("525", "", "5.7.13"),  # RFC 5248 section 2.4
        ("553", "SMTPUTF8", "5.6.7"),  # RFC 6531 section 3.5
        ("554", "SMTPUTF8", "5.6.9"),
        ("530", "STARTTLS", "5.7.0"),  # RFC 3207 section 4
    ],
)
def test_rfc_pairings_of_reply_and_enhanced_code(code: str, context: str, enhanced: str) -> None:
    (row,) = [r for r in rows_for(code) if r["context"] == context]
    assert enhanced in row["usual_enhanced"].split()


# --- the digits ---------------------------------------------------------------------------------


def test_digits_cover_first_and_second_positions_exactly() -> None:
    keys = [(r["position"], r["digit"]) for r in digit_rows()]
    assert len(keys) == len(set(keys))
    assert sorted(d for p, d in keys if p == "first") == list("12345")
    assert sorted(d for p, d in keys if p == "second") == list("012345")
    assert {p for p, _ in keys} == {"first", "second"}


def test_digit_rows_are_complete() -> None:
    for r in digit_rows():
        assert r["meaning"], r
        assert r["reference"] == "RFC 5321 section 4.2.1", r
    first_one = next(r for r in digit_rows() if (r["position"], r["digit"]) == ("first", "1"))
    assert "not used" in first_one["meaning"].lower()


# --- titles against the RFC texts (when ../shared is present) -----------------------------------


def _rfc(number: int) -> str:
    path = RFC_DIR / f"rfc{number}.txt"
    if not path.is_file():
        pytest.skip(f"{path} not available")
    return path.read_text(encoding="utf-8", errors="replace")


def _section(text: str, start: str, end: str) -> str:
    # The last occurrence: a heading also appears in the table of contents.
    begin = text.rindex(start)
    return text[begin : text.index(end, begin)]


def _title(row_context: str, code: str) -> str:
    (row,) = [r for r in rows_for(code) if r["context"] == row_context]
    return row["title"]


def test_rfc5321_titles_match_section_4_2_3() -> None:
    section = _section(_rfc(5321), "4.2.3.  Reply Codes in Numeric Order", "4.2.4.  Reply Code 502")
    found = dict(re.findall(r"^   ([0-9]{3})  (.+)$", section, flags=re.MULTILINE))
    assert sorted(found) == sorted(RFC5321_CODES)
    for code, line in found.items():
        assert _title("", code) == line.split(" (")[0].strip(), code


def test_rfc4954_auth_codes_match_section_6() -> None:
    section = _section(_rfc(4954), "6.  Status Codes", "7.  Additional Requirements")
    entries = re.findall(
        r"^   ([0-9]{3}) ([245]\.[0-9]+\.[0-9]+) +(.+(?:\n {15}\S.*)*)$", section, re.MULTILINE
    )
    assert len(entries) == 8
    for code, enhanced, sample in entries:
        (row,) = [r for r in rows_for(code) if r["context"] == "AUTH"]
        assert enhanced in row["usual_enhanced"].split(), code
        assert row["title"].casefold() == " ".join(sample.split()).casefold(), code


def test_rfc3207_starttls_titles_match_section_4() -> None:
    section = _section(_rfc(3207), "4. The STARTTLS Command", "4.1 Processing After")
    found = re.findall(r"^   (220|501|454|530) (.+)$", section, re.MULTILINE)
    assert {code for code, _ in found} == {"220", "501", "454", "530"}
    for code, text in found:
        assert _title("STARTTLS", code) == text.strip(), code


def test_rfc1985_etrn_titles_match_section_5_1() -> None:
    section = _section(_rfc(1985), "valid return codes for this command", "The 250 response code")
    found = dict(re.findall(r"^   ([0-9]{3}) (.+)$", section, re.MULTILINE))
    for code in ("250", "251", "252", "253", "458", "459"):
        assert _title("ETRN", code) == found[code].strip(), code


def test_rfc2645_atrn_titles_match_section_7() -> None:
    section = _section(_rfc(2645), "The response codes used in this document", "8.  Security")
    found = dict(re.findall(r"^   ([0-9]{3})  (.+)$", section, re.MULTILINE))
    for code in ("450", "451", "453"):
        assert _title("ATRN", code) == found[code].strip(), code


def test_rfc7504_titles_match_section_5_1() -> None:
    text = _rfc(7504)
    assert '521 code, with message "Host does not accept' in " ".join(text.split())
    assert _title("", "521") == "Host does not accept mail"
    assert _title("", "556") == "Domain does not accept mail"
    assert '556 code, with message "Domain does not accept mail"' in " ".join(text.split())
