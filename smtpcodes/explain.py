"""Explain codes: what a reply code and an enhanced code mean, with what the sender should do.

A registered code is explained from the registry; a well-formed code that is not registered is still
explained by its class and subject, as RFC 3463 section 2 asks of clients.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, NamedTuple

from smtpcodes import limits, registry
from smtpcodes._data import read_csv
from smtpcodes.codes import (
    CodeClass,
    class_of,
    enhanced_problem,
    find_codes,
    reply_code_problem,
    require_str,
)

if TYPE_CHECKING:
    from smtpcodes.kb import VendorCode
    from smtpcodes.validate import Finding

__all__ = ["Explanation", "explain", "explain_code"]


class Advice(NamedTuple):
    retry: str  # "yes", "later" or "no"
    text: str
    source: str


@functools.cache
def _advice_table() -> dict[tuple[str, str], Advice]:
    return {
        (row["key"], row["class"]): Advice(row["retry"], row["advice"], row["source"])
        for row in read_csv("advice.csv")
    }


def _enhanced_advice(subject: int, detail: int, klass: str) -> Advice | None:
    """The most specific advice: the code, else its subject, else its class."""
    table = _advice_table()
    for key in (f"X.{subject}.{detail}", f"X.{subject}", "X"):
        advice = table.get((key, klass))
        if advice is not None:
            return advice
    return None


#: Reply codes an extension defines for one condition, with the enhanced codes the RFC sends with
#: them: 521 with X.3.2 and 556 with X.1.10 (RFC 7504 section 6; RFC 7505 section 3), 523 with
#: X.7.10 (RFC 5248 section 2.4), 530 with X.7.0, 534 with X.7.9, 535 with X.7.8 and 538 with X.7.11
#: (RFC 4954 section 6). Sent so, the reply code carries the meaning; sent with another enhanced
#: code that names a cause (Microsoft's 521 5.7.606, a DNSBL's 521 5.7.1), the enhanced code says more.
EXTENSION_PAIRS: dict[str, frozenset[str]] = {
    "521": frozenset({"X.3.2"}),
    "556": frozenset({"X.1.10"}),
    "523": frozenset({"X.7.10"}),
    "530": frozenset({"X.7.0"}),
    "534": frozenset({"X.7.9"}),
    "535": frozenset({"X.7.8"}),
    "538": frozenset({"X.7.11"}),
}


_AUTH_REPLIES = frozenset({"530", "534", "535", "538"})


def reply_decides(reply_code: str | None, enhanced_code: str | None) -> bool:
    """Whether the reply code's own meaning outranks the enhanced code's (EXTENSION_PAIRS): the
    enhanced code is missing, says only its class or subject (X.0.0, X.7.0: "other or
    undefined"), or is the one the RFC pairs it with."""
    pairs = EXTENSION_PAIRS.get(reply_code or "")
    if pairs is None:
        return False
    if not enhanced_code:
        return True
    _, subject, detail = enhanced_code.split(".")
    if reply_code in _AUTH_REPLIES and subject == "7":
        # The AUTH replies say what went wrong with the login; providers number the security
        # detail their own way (Microsoft's 535 5.7.3, 535 5.7.139, 530 5.7.57; Gmail's 534
        # 5.7.14), and none of those says more than the reply code does.
        return True
    return detail == "0" or f"X.{subject}.{detail}" in pairs


def _reply_pair_advice(reply: registry.ReplyEntry | None, enhanced_code: str) -> Advice | None:
    """The reply code's own advice, when it says more than an enhanced code's subject or class:
    the one meaning of the reply code that lists this enhanced code, alone (432 with 4.7.12,
    RFC 4954 section 6; 554 with 5.6.9, RFC 6531 section 3.5), or a reply code an extension
    defines for one condition (reply_decides: 521, the host never accepts mail, RFC 7504
    section 3). A pairing that several meanings list (503 with 5.5.1: base SMTP and AUTH) says
    nothing about which one applies."""
    if reply is None or not reply.standard:
        return None
    klass = class_of(reply.code)
    retry = _RETRY_BY_CLASS[klass] if klass is not None else "no"
    listing = [m for m in reply.meanings if enhanced_code in m.usual_enhanced]
    if len(listing) == 1 and listing[0].usual_enhanced == (enhanced_code,) and listing[0].advice:
        return Advice(retry, listing[0].advice, listing[0].source)
    if reply_decides(reply.code, enhanced_code):
        advised = [m for m in (listing or reply.meanings) if m.advice]
        if len(advised) == 1:
            return Advice(retry, advised[0].advice, advised[0].source)
    return None


class Explanation(NamedTuple):
    """What one code, or one reply code with its enhanced code, means."""

    input: str
    reply_code: str | None
    enhanced_code: str | None
    code_class: CodeClass | None
    title: str | None
    subject: str | None
    description: str | None
    registered: bool
    references: tuple[str, ...] = ()
    associated: tuple[str, ...] = ()
    retry: str | None = None
    advice: str | None = None
    advice_source: str | None = None
    notes: tuple[str, ...] = ()
    enhanced_entry: registry.EnhancedEntry | None = None
    reply: registry.ReplyEntry | None = None
    vendor: tuple[VendorCode, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def found(self) -> bool:
        """False when the input named no SMTP code we can say anything about."""
        return self.code_class is not None

    def to_json(self) -> dict[str, object]:
        reply_json: dict[str, object] | None = None
        if self.reply is not None and self.enhanced_code is not None:
            reply_json = self.reply.to_json()
        elif self.reply_code is not None and self.enhanced_code is not None:
            first, second = registry.reply_digit_meaning(self.reply_code)
            reply_json = {
                "code": self.reply_code,
                "title": None,
                "description": None,
                "standard": False,
                "digits": {"first": first, "second": second},
            }
        return {
            "input": self.input,
            "reply_code": self.reply_code,
            "enhanced_code": self.enhanced_code,
            "class": self.code_class.value if self.code_class else None,
            "title": self.title,
            "subject": self.subject,
            "description": self.description,
            "registered": self.registered,
            "deprecated": bool(self.enhanced_entry and self.enhanced_entry.deprecated),
            "replaced_by": self.enhanced_entry.replaced_by if self.enhanced_entry else None,
            "associated_reply_codes": list(self.associated),
            "references": list(self.references),
            "retry": self.retry,
            "advice": self.advice,
            "advice_source": self.advice_source,
            "notes": list(self.notes),
            "vendor_meanings": [_vendor_json(v) for v in self.vendor],
            "reply": reply_json,
            "findings": [f.to_json() for f in self.findings],
        }


def _vendor_json(v: VendorCode) -> dict[str, object]:
    from smtpcodes import kb

    data = v.to_json()
    who = kb.providers().get(v.provider)
    data["provider_name"] = who.name if who else v.provider
    return data


def _vendor_meanings(code: str) -> tuple[VendorCode, ...]:
    from smtpcodes import kb

    return tuple(kb.vendor_codes(code))


def explain_code(
    reply_code: str | None, enhanced_code: str | None, input: str | None = None
) -> Explanation:
    """Explain a reply code, an enhanced code, or both as one reply ("550", "5.7.26")."""
    from smtpcodes.validate import validate_code

    text = input if input is not None else " ".join(c for c in (reply_code, enhanced_code) if c)
    notes: list[str] = []
    reply = registry.lookup_reply(reply_code) if reply_code else None
    if reply_code is not None:
        problem = reply_code_problem(reply_code)
        if reply is not None and not reply.standard and reply.note:
            notes.append(f"{reply_code} is not a standard SMTP reply code: {reply.note}")
        elif problem is not None:
            notes.append(
                f"{reply_code} is not an SMTP reply code: {problem} (RFC 5321 section 4.2)"
            )
        elif reply is None:
            notes.append(f"{reply_code} is well-formed but defined by no RFC we know of")
    findings = tuple(validate_code(text).findings)

    if enhanced_code is not None and enhanced_problem(_with_class(enhanced_code)) is None:
        return _explain_enhanced(text, reply_code, enhanced_code, reply, notes, findings)

    if enhanced_code is not None:
        notes.append(f"{enhanced_code} is not a valid enhanced status code (RFC 3463 section 2)")
    klass = class_of(reply_code) if reply_code and reply_code_problem(reply_code) is None else None
    if reply is not None and not reply.standard:
        klass = class_of(reply_code or "")
    meaning = reply.meanings[0] if reply and reply.meanings else None
    title = reply.title if reply else None
    description = reply.description if reply else None
    if reply is None and klass is not None and reply_code is not None:
        first, second = registry.reply_digit_meaning(reply_code)
        title = f"Unassigned reply code ({first}; {second})" if first and second else None
        description = " ".join(x for x in (first, second) if x) or None
    retry, advice, advice_source = _reply_advice(reply_code, klass, meaning)
    return Explanation(
        input=text,
        reply_code=reply_code,
        enhanced_code=enhanced_code,
        code_class=klass,
        title=title,
        subject=None,
        description=description,
        registered=reply is not None and reply.standard,
        references=reply.references if reply else (),
        associated=reply.usual_enhanced if reply else (),
        retry=retry,
        advice=advice,
        advice_source=advice_source,
        notes=tuple(notes),
        reply=reply,
        findings=findings,
    )


def _with_class(code: str) -> str:
    return "5" + code[1:] if code[:1] in "xX" else code


_RETRY_BY_CLASS = {
    CodeClass.SUCCESS: "no",
    CodeClass.INTERMEDIATE: "no",
    CodeClass.TRANSIENT: "later",
    CodeClass.PERMANENT: "no",
}


def _reply_advice(
    reply_code: str | None, klass: CodeClass | None, meaning: registry.ReplyMeaning | None
) -> tuple[str | None, str | None, str | None]:
    if klass is None:
        return None, None, None
    retry = _RETRY_BY_CLASS[klass]
    if meaning is not None and meaning.advice:
        return retry, meaning.advice, meaning.source
    # A reply code's first digit is read by RFC 5321 section 4.2.1 (2yz ... 5yz), not by the
    # classes of enhanced codes in RFC 3463.
    class_advice = _advice_table().get(("xyz", (reply_code or "")[:1]))
    if class_advice is not None:
        return retry, class_advice.text, class_advice.source
    return retry, None, None


def _explain_enhanced(
    text: str,
    reply_code: str | None,
    enhanced_code: str,
    reply: registry.ReplyEntry | None,
    notes: list[str],
    findings: tuple[Finding, ...],
) -> Explanation:
    _, subject_s, detail_s = enhanced_code.split(".")
    subject, detail = int(subject_s), int(detail_s)
    klass_digit = enhanced_code[0] if enhanced_code[0] in "245" else None
    if klass_digit is None and reply_code is not None and reply_code[0] in "245":
        klass_digit = reply_code[0]  # "550 X.7.26": the reply supplies the class
    code_class = class_of(klass_digit) if klass_digit else None
    entry = registry.lookup_enhanced(enhanced_code)
    subject_title = (
        registry.subject_info(subject).title if registry.subject_known(subject) else None
    )
    references: tuple[str, ...]
    if entry is not None:
        title, description, references = entry.title, entry.description, entry.references
        if entry.deprecated:
            notes.append(
                f"{entry.key} is deprecated"
                + (f": use {entry.replaced_by} instead" if entry.replaced_by else "")
                + " (IANA registry)"
            )
            replacement = registry.lookup_enhanced(entry.replaced_by or "")
            if replacement is not None:
                title = f"{replacement.title} (deprecated duplicate of {replacement.key})"
    else:
        parts = []
        if code_class is not None:
            parts.append(registry.class_info(klass_digit or "").title)
        parts.append(subject_title or f"unknown subject {subject}")
        title = ", ".join(parts) + " (detail not registered)"
        description = _unregistered_description(klass_digit, subject, detail, subject_title)
        references = ("RFC 3463 section 2",)
        notes.append(
            f"X.{subject}.{detail} is not in the IANA registry; explained by class and subject "
            "as RFC 3463 section 2 asks"
        )
    # Most specific wins: the enhanced code's own advice, else the reply code's own meaning (a
    # 521 or a 432 says more than "X.3" or "X.7"), else the enhanced code's subject or class.
    own = _advice_table().get((f"X.{subject}.{detail}", klass_digit or ""))
    by_reply = (
        _reply_pair_advice(reply, enhanced_code)
        if own is None and reply_code is not None and reply_code[:1] == klass_digit
        else None
    )
    advice = own or by_reply
    if advice is None and klass_digit:
        advice = _enhanced_advice(subject, detail, klass_digit)  # ends with the class's ("X")
    if code_class is CodeClass.SUCCESS and by_reply is None:
        advice = _advice_table().get(("X", "2"))
    vendor = _vendor_meanings(enhanced_code) if enhanced_code[0] in "245" else ()
    if vendor:
        from smtpcodes import kb

        for v in vendor:
            who = kb.providers().get(v.provider)
            registry_view = (
                f"the registry says {title!r}" if entry is not None else "not registered"
            )
            notes.append(
                f"{who.name if who else v.provider} uses {enhanced_code} to mean: {v.meaning} "
                f"({registry_view})"
            )
    return Explanation(
        input=text,
        reply_code=reply_code,
        enhanced_code=enhanced_code,
        code_class=code_class,
        title=title,
        subject=subject_title,
        description=description,
        registered=entry is not None,
        references=references,
        associated=(entry.associated if entry else ())
        + (("any",) if entry and entry.associated_any else ()),
        retry=advice.retry if advice else None,
        advice=advice.text if advice else None,
        advice_source=advice.source if advice else None,
        notes=tuple(notes),
        enhanced_entry=entry,
        reply=reply,
        vendor=vendor,
        findings=findings,
    )


def _unregistered_description(
    klass_digit: str | None, subject: int, detail: int, subject_title: str | None
) -> str:
    parts = []
    if klass_digit:
        parts.append(registry.class_info(klass_digit).description)
    if subject_title is not None:
        parts.append(registry.subject_info(subject).description)
    else:
        parts.append(f"Subject {subject} is not defined by RFC 3463 or the IANA registry.")
    parts.append(f"Detail {detail} is not registered with IANA for this subject.")
    return " ".join(parts)


def explain(text: str) -> list[Explanation]:
    """Explain every code or reply-code/enhanced-code pair found in `text`, in order: at most
    max_items of them (smtpcodes.limits; the cut is recorded)."""
    require_str(text, "explain")
    most = limits.current().max_items
    tokens = find_codes(text, most + 1)
    if len(tokens) > most:
        limits.record(
            "max_items", f"more than {most:,} codes; only the first {most:,} were explained"
        )
        del tokens[most:]
    return [explain_code(t.reply_code, t.enhanced_code, t.text) for t in tokens]
