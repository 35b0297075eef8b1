"""Diagnosis: from what a server said (a Reply) to a verdict: category, hard or soft, retry, who acts.

Two kinds of knowledge meet here: the codes (registry, RFC 3463 and RFC 5321 meanings, data/code-
categories.csv) and the text (the knowledge base of provider and MTA wordings, data/rules.jsonl).
Servers often send a default code whatever the cause (qmail says 5.1.1 for a full mailbox, GoDaddy
says 5.1.1 for a rate limit), so a text rule wins over the code; when they disagree the verdict says
so. A bare code is diagnosed from the code alone.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from smtpcodes import kb, registry
from smtpcodes._data import read_csv
from smtpcodes.codes import CodeClass, class_of, enhanced_problem, reply_code_problem
from smtpcodes.explain import Explanation, explain_code
from smtpcodes.parse import Reply, parse_text

__all__ = ["Evidence", "Verdict", "diagnose", "diagnose_replies", "diagnose_reply"]

HARD_CATEGORIES = frozenset({"user-unknown", "domain-unknown", "mailbox-moved"})
NOT_FAILURES = frozenset({"delivered", "auto-reply", "feedback"})
# Codes that say only "policy" or "something failed": a generic wording is more precise than they are.
REGISTRY_SOURCE = "IANA SMTP Enhanced Status Codes registry; RFC 3463; RFC 5321 section 4.2"


@dataclass(frozen=True)
class Evidence:
    """One reason behind a verdict: which rule decided, where its knowledge comes from, what it matched."""

    rule: str
    source: str
    matched: str

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "source": self.source, "matched": self.matched}


@dataclass(frozen=True)
class CodeCategory:
    code: str
    category: str
    specific: bool
    source: str


@functools.cache
def _code_categories() -> dict[str, CodeCategory]:
    return {
        row["code"]: CodeCategory(
            row["code"], row["category"], row["specific"] == "yes", row["source"]
        )
        for row in read_csv("code-categories.csv")
    }


def code_category(reply_code: str | None, enhanced_code: str | None) -> CodeCategory | None:
    """What the codes alone say: the enhanced code first (X.s.d), then the reply code."""
    table = _code_categories()
    if enhanced_code:
        _, subject, detail = enhanced_code.split(".")
        hit = table.get(f"X.{subject}.{detail}")
        if hit is not None:
            return hit
    if reply_code:
        return table.get(reply_code)
    return None


@dataclass(frozen=True)
class Verdict:
    """What went wrong with one delivery, whose problem it is, and what to do."""

    reply: Reply
    explanation: Explanation | None
    reply_code: str | None
    enhanced_code: str | None
    code_class: CodeClass | None
    category: str
    bounce: str | None  # "hard", "soft", or None for non-failures
    retry: str  # "yes", "later", "no"
    action: str
    party: str | None
    provider: str | None
    provider_meaning: str | None
    confidence: str  # "high", "medium", "low"
    evidence: tuple[Evidence, ...] = ()
    conflict: str | None = None  # text and code disagree: what, and which won
    code_sources: dict[str, str] = field(default_factory=dict)

    @property
    def input(self) -> str:
        return self.reply.raw

    def to_json(self) -> dict[str, object]:
        base: dict[str, object]
        if self.explanation is not None:
            base = self.explanation.to_json()
        else:
            base = {
                "reply_code": None,
                "enhanced_code": None,
                "class": None,
                "title": None,
                "subject": None,
                "description": None,
                "registered": False,
                "references": [],
                "findings": [],
            }
        cat = kb.categories().get(self.category)
        base.update(
            {
                "input": self.reply.raw,
                "text": self.reply.text,
                "reply_code": self.reply_code,
                "enhanced_code": self.enhanced_code,
                "class": self.code_class.value if self.code_class else None,
                "code_sources": dict(self.code_sources),
                "category": self.category,
                "category_title": cat.title if cat else None,
                "bounce": self.bounce,
                "retry": self.retry,
                "action": self.action,
                "party": self.party,
                "provider": self.provider,
                "provider_meaning": self.provider_meaning,
                "confidence": self.confidence,
                "conflict": self.conflict,
                "evidence": [e.to_json() for e in self.evidence],
                "mappings": _mappings(self.category),
                "origin": self.reply.origin,
                "remote_host": self.reply.remote_host,
                "recipient": self.reply.recipient,
                "action_field": self.reply.dsn_action,
                "dsn_status": self.reply.dsn_status,
                "smtp_command": self.reply.smtp_command,
                "location": self.reply.location,
            }
        )
        if title := base.get("title"):
            base["title"] = title
        elif cat is not None:
            base["title"] = cat.title
        return base


def _mappings(category: str) -> dict[str, object]:
    cat = kb.categories().get(category)
    if cat is None:
        return {"sisimai": None, "ses": None}
    ses: dict[str, str] | None = None
    if cat.ses_bounce_type:
        ses = {"bounceType": cat.ses_bounce_type, "bounceSubType": cat.ses_bounce_subtype}
    return {"sisimai": cat.sisimai[0] if cat.sisimai else None, "ses": ses}


def _valid_enhanced(code: str | None) -> str | None:
    return code if code and enhanced_problem(code) is None else None


def _valid_reply(code: str | None) -> str | None:
    """A reply code that follows RFC 5321's grammar, or a known non-standard one such as 571."""
    if not code:
        return None
    if reply_code_problem(code) is None or registry.lookup_reply(code) is not None:
        return code
    return None


def _choose_codes(reply: Reply) -> tuple[str | None, str | None, dict[str, str], list[str]]:
    """The reply code and enhanced code to believe, where each came from, and any disagreement."""
    sources: dict[str, str] = {}
    notes: list[str] = []
    reply_code = _valid_reply(reply.reply_code)
    if reply_code:
        sources["reply_code"] = reply.origin
    in_text = _valid_enhanced(reply.enhanced_code)
    status = _valid_enhanced(reply.dsn_status)
    enhanced = in_text or status
    if in_text:
        sources["enhanced_code"] = "reply text"
    elif status:
        sources["enhanced_code"] = "DSN Status field"
    if in_text and status and in_text != status:
        # The reply text is the remote server's own word; the Status field is the reporting MTA's
        # summary of it. Prefer the server unless its class contradicts the reply code.
        if reply_code and in_text[0] != reply_code[0] and status[0] == reply_code[0]:
            enhanced = status
            sources["enhanced_code"] = "DSN Status field"
        notes.append(
            f"the DSN Status field says {status} but the server's reply says {in_text}; "
            f"using {enhanced}"
        )
    return reply_code, enhanced, sources, notes


def _message_kind_verdict(reply: Reply) -> tuple[str, str] | None:
    if reply.message_kind == "feedback":
        return "feedback", f"ARF feedback report ({reply.feedback_type or 'unknown type'})"
    if reply.message_kind == "auto-reply":
        return "auto-reply", "an automatic reply (RFC 3834), not a delivery failure"
    if (reply.dsn_action or "").lower() in ("delivered", "relayed", "expanded"):
        return "delivered", f"DSN Action: {reply.dsn_action}"
    return None


def diagnose_reply(reply: Reply) -> Verdict | None:
    """The verdict on one reply; None when it holds nothing recognisable (no code, no known text)."""
    reply_code, enhanced, sources, notes = _choose_codes(reply)
    explanation = explain_code(reply_code, enhanced, reply.raw) if (reply_code or enhanced) else None
    klass = class_of(enhanced or reply_code or "") if (enhanced or reply_code) else None
    if klass is None and (reply.dsn_action or "").lower() == "failed":
        klass = CodeClass.PERMANENT
    elif klass is None and (reply.dsn_action or "").lower() == "delayed":
        klass = CodeClass.TRANSIENT
    if klass is None and reply.log_status in ("bounced", "expired"):
        klass = CodeClass.PERMANENT
    elif klass is None and reply.log_status == "deferred":
        klass = CodeClass.TRANSIENT

    evidence: list[Evidence] = []
    host_provider = kb.provider_for_host(reply.remote_host) if reply.remote_host else None
    matches = kb.match_rules(reply.text) if reply.text else []
    rule_match = _best(matches, host_provider.id if host_provider else None)
    by_code = code_category(reply_code, enhanced)
    kind = _message_kind_verdict(reply)

    conflict: str | None = None
    category: str
    confidence: str
    rule = rule_match.rule if rule_match else None
    if kind is not None:
        category = kind[0]
        evidence.append(Evidence(f"message:{category}", "RFC 3464 / RFC 3834 / RFC 5965", kind[1]))
        confidence = "high"
        rule = None
    elif rule is not None and rule.priority >= 0:
        category = rule.category
        evidence.append(Evidence(rule.id, rule.source, rule_match.matched if rule_match else ""))
        confidence = "high" if rule.priority >= 1 and rule.confidence == "high" else "medium"
        if by_code is not None and by_code.category != category:
            if by_code.specific:
                conflict = (
                    f"the code {enhanced or reply_code} means {by_code.category}, but the text "
                    f"says {category} ({rule.id}); the text wins because servers often send a "
                    "default code whatever the cause, while the wording names it"
                )
                confidence = "medium" if confidence == "high" else "low"
            evidence.append(Evidence(f"code:{by_code.code}", by_code.source, enhanced or reply_code or ""))
    elif by_code is not None and klass is not None:
        category = by_code.category
        evidence.append(Evidence(f"code:{by_code.code}", by_code.source, enhanced or reply_code or ""))
        confidence = "medium" if by_code.specific else "low"
        if rule is not None:  # a fallback rule (priority < 0) refines an unspecific code
            if not by_code.specific:
                category = rule.category
                evidence.append(Evidence(rule.id, rule.source, rule_match.matched if rule_match else ""))
            else:
                rule = None
    elif rule is not None:
        category = rule.category
        evidence.append(Evidence(rule.id, rule.source, rule_match.matched if rule_match else ""))
        confidence = "low"
    elif klass is not None:
        category = "delivered" if klass is CodeClass.SUCCESS else "undetermined"
        evidence.append(Evidence(f"class:{klass.value}", REGISTRY_SOURCE, enhanced or reply_code or ""))
        confidence = "low"
    elif reply.message_kind in ("dsn", "bounce"):
        # A bounce whose wording we do not know is still a failure report.
        category = "undetermined"
        evidence.append(Evidence("message:bounce", "RFC 3464 / RFC 6522", reply.message_kind or ""))
        confidence = "low"
    else:
        return None

    category, adjusted = _adjust(category, reply, by_code, enhanced or reply_code)
    if adjusted is not None:
        evidence.append(adjusted)
        rule = rule if category == (rule.category if rule else None) else None

    if klass is CodeClass.SUCCESS and category not in NOT_FAILURES:
        category, confidence = "delivered", "high"
    if klass is None and category not in NOT_FAILURES:
        klass = CodeClass.PERMANENT if (rule and rule.retry == "no") else None

    cat = kb.categories().get(category)
    retry = rule.retry if rule else (cat.retry if cat else "later")
    if klass is CodeClass.TRANSIENT and retry == "no" and category != "expired":
        retry = "later"  # the server itself said the condition is temporary
    if category in NOT_FAILURES:
        retry = "no"
    party = (rule.party if rule and rule.party else None) or (cat.party if cat else None) or None
    action = (rule.advice if rule and rule.advice else None) or (cat.action if cat else "")
    bounce = _bounce(category, klass, reply_code, enhanced)

    provider_name: str | None = None
    provider_meaning: str | None = None
    if rule is not None:
        provider = kb.providers().get(rule.provider)
        if provider is not None and provider.hosts:
            provider_name, provider_meaning = provider.name, rule.meaning
    if provider_name is None and host_provider is not None:
        provider_name = host_provider.name
        evidence.append(Evidence("host", host_provider.source, reply.remote_host or ""))
    if provider_name is None and explanation is not None and explanation.vendor:
        provider_name = explanation.vendor[0].provider
        provider_meaning = explanation.vendor[0].meaning
    for note in notes:
        evidence.append(Evidence("codes", "RFC 3464 section 2.3.4", note))

    return Verdict(
        reply=reply,
        explanation=explanation,
        reply_code=reply_code,
        enhanced_code=enhanced,
        code_class=klass,
        category=category,
        bounce=bounce,
        retry=retry,
        action=action,
        party=party,
        provider=provider_name,
        provider_meaning=provider_meaning,
        confidence=confidence,
        evidence=tuple(evidence),
        conflict=conflict,
        code_sources=sources,
    )


def _adjust(
    category: str, reply: Reply, by_code: CodeCategory | None, code: str | None
) -> tuple[str, Evidence | None]:
    """Context that changes what the words mean: when the sender's MTA gave up, or the phase."""
    if category == "network" and by_code is not None and by_code.category == "expired":
        # The words name the last error; the bounce itself says the MTA stopped retrying.
        return "expired", Evidence(
            "context:gave-up",
            "RFC 3463 section 3.5 (X.4.7 delivery time expired); RFC 3464 section 2.3.3 (Action)",
            f"a bounce after repeated {category} failures" + (f" ({code})" if code else ""),
        )
    code_says_unknown = by_code is not None and by_code.category == "user-unknown" and by_code.specific
    command = (reply.smtp_command or "").upper()
    if category == "user-unknown" and not code_says_unknown and command.startswith("DATA"):
        # RFC 5321 section 3.3: recipients are accepted or refused at RCPT TO. An "unknown user"
        # after DATA means the address was accepted and a filter refused this message (Japanese
        # carriers' domain filters answer this way), so it says nothing about the address --
        # unless the server's own code (5.1.1) insists that the mailbox does not exist.
        return "recipient-filtered", Evidence(
            "context:after-data",
            "RFC 5321 section 3.3 (recipients are validated at RCPT TO)",
            f"'user unknown' in reply to {reply.smtp_command}",
        )
    return category, None


def _bounce(category: str, klass: CodeClass | None, reply_code: str | None, enhanced: str | None) -> str | None:
    """Hard when the address itself is bad (as Sisimai decides, so figures compare)."""
    if category in NOT_FAILURES:
        return None
    if category in HARD_CATEGORIES:
        return "hard"
    if category == "domain-rejects-mail" and klass is CodeClass.PERMANENT:
        return "hard"
    return "soft"


def _best(matches: list[kb.RuleMatch], host_provider: str | None) -> kb.RuleMatch | None:
    """The winning rule: highest priority; among equals the host's own provider, then the longest match."""
    if not matches:
        return None
    return max(
        matches,
        key=lambda m: (m.rule.priority, m.rule.provider == host_provider, len(m.matched)),
    )


def diagnose_replies(replies: Iterable[Reply]) -> Iterator[Verdict]:
    for reply in replies:
        verdict = diagnose_reply(reply)
        if verdict is not None:
            yield verdict


def replies_in(data: str | bytes, kind: str = "auto") -> list[Reply]:
    """Every reply in a pasted text, log lines, codes, or a whole bounce email (bytes or text)."""
    if isinstance(data, bytes):
        text = data.decode("utf-8", errors="replace")
        if kind == "email" or (kind == "auto" and _looks_like_email(text)):
            from smtpcodes.bounce import parse_message

            return parse_message(data)
        return parse_text(text, kind)
    return parse_text(data, kind)


def analyse(data: str | bytes, kind: str = "auto") -> list[tuple[Reply, Verdict | None]]:
    """Each reply found with its verdict, or None where it holds nothing recognisable."""
    return [(reply, diagnose_reply(reply)) for reply in replies_in(data, kind)]


def diagnose(data: str | bytes, kind: str = "auto") -> list[Verdict]:
    """Diagnose a pasted reply, log lines, codes, or a whole bounce email: one verdict per reply."""
    return [v for _, v in analyse(data, kind) if v is not None]


def _looks_like_email(text: str) -> bool:
    from smtpcodes.parse import detect_kind

    return detect_kind(text) == "email"


def with_location(verdict: Verdict, location: str) -> Verdict:
    return replace(verdict, reply=replace(verdict.reply, location=location))
