"""Diagnosis: from what a server said (a Reply) to a verdict: category, hard or soft, retry, who acts.

Two kinds of knowledge meet here: the codes (registry, RFC 3463 and RFC 5321 meanings, data/code-
categories.csv) and the text (the knowledge base of provider and MTA wordings, data/rules.jsonl).
Servers often send a default code whatever the cause (qmail says 5.1.1 for a full mailbox, GoDaddy
says 5.1.1 for a rate limit), so a text rule wins over the code; when they disagree the verdict says
so. A bare code is diagnosed from the code alone.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Iterator
from typing import Literal, NamedTuple, cast

from smtpcodes import kb, registry
from smtpcodes._data import read_csv
from smtpcodes.codes import CodeClass, class_of, enhanced_problem, reply_code_problem
from smtpcodes.explain import Explanation, explain_code, reply_decides
from smtpcodes.parse import Reply, parse_text

__all__ = ["Evidence", "Verdict", "diagnose", "diagnose_replies", "diagnose_reply"]

HARD_CATEGORIES = frozenset({"user-unknown", "domain-unknown", "mailbox-moved"})
NOT_FAILURES = frozenset({"delivered", "auto-reply", "feedback"})
# Codes that say only "policy" or "something failed": a generic wording is more precise than they are.
REGISTRY_SOURCE = "IANA SMTP Enhanced Status Codes registry; RFC 3463; RFC 5321 section 4.2"


class Evidence(NamedTuple):
    """One reason behind a verdict: which rule decided, where its knowledge comes from, what it matched."""

    rule: str
    source: str
    matched: str

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "source": self.source, "matched": self.matched}


class CodeCategory(NamedTuple):
    code: str
    category: kb.CategoryId
    specific: bool
    source: str


@functools.cache
def _code_categories() -> dict[str, CodeCategory]:
    return {
        # Every category here is a CATEGORY_IDS one (tests/test_kb.py checks the file).
        row["code"]: CodeCategory(
            row["code"],
            cast(kb.CategoryId, row["category"]),
            row["specific"] == "yes",
            row["source"],
        )
        for row in read_csv("code-categories.csv")
    }


def code_category(
    reply_code: str | None,
    enhanced_code: str | None,
    vendor: tuple[kb.VendorCode, ...] = (),
) -> CodeCategory | None:
    """What the codes alone say: the enhanced code first (X.s.d), then the reply code, except for a
    reply code an extension defines for one condition, sent as its RFC sends it (reply_decides).

    A code the registry does not know is read through a provider's own meaning of it (5.7.708),
    else by its class and subject (X.7.999 as X.7.0), as RFC 3463 section 2 asks of clients.
    """
    table = _code_categories()
    if reply_code and reply_decides(reply_code, enhanced_code):
        return table.get(reply_code)
    if enhanced_code:
        _, subject, detail = enhanced_code.split(".")
        hit = table.get(f"X.{subject}.{detail}")
        if hit is not None:
            return hit
        for v in vendor:
            if v.category:
                category = cast(kb.CategoryId, v.category)  # checked when vendor-codes.csv loads
                return CodeCategory(f"{enhanced_code} ({v.provider})", category, True, v.source)
        hit = table.get(f"X.{subject}.0")
        if hit is not None:
            return CodeCategory(
                f"X.{subject}.{detail}",
                hit.category,
                False,
                f"RFC 3463 section 2 (an unregistered detail is read by class and subject); "
                f"{hit.source}",
            )
    if reply_code:
        return table.get(reply_code)
    return None


#: "hard": the address itself is bad, stop sending to it; "soft": any other failure.
Bounce = Literal["hard", "soft"]


class Verdict(NamedTuple):
    """What went wrong with one delivery, whose problem it is, and what to do."""

    reply: Reply
    explanation: Explanation | None
    reply_code: str | None
    enhanced_code: str | None
    code_class: CodeClass | None
    category: kb.CategoryId
    bounce: Bounce | None  # None for non-failures
    retry: kb.Retry
    action: str
    party: kb.Party | None
    provider: str | None
    provider_meaning: str | None
    # What the rule that decided says the reply means, in its own words (a provider's, or an
    # MTA's or a list manager's, whose rules name no provider).
    rule_meaning: str | None
    confidence: kb.Confidence
    evidence: tuple[Evidence, ...] = ()
    conflict: str | None = None  # text and code disagree: what, and which won
    # Where each code was read: ("reply_code", "log"), ("enhanced_code", "DSN Status field"). Pairs,
    # not a dict, so that a verdict is hashable and nobody can change the one the cache shares.
    code_sources: tuple[tuple[str, str], ...] = ()

    @property
    def input(self) -> str:
        return self.reply.raw

    def to_json(self) -> dict[str, object]:
        data = self.base_json()
        data.update(self.own_json())
        return data

    def base_json(self) -> dict[str, object]:
        """The part of :meth:`to_json` that the explanation and the category decide: the registry's
        explanation of the codes (its keys in to_json's order), the title falling back to the
        category's. :meth:`own_json` then sets the rest, some keys in place."""
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
        if not base.get("title"):
            cat = kb.categories().get(self.category)
            if cat is not None:
                base["title"] = cat.title
        return base

    def own_json(self, decision: bool = True) -> dict[str, object]:
        """The keys of :meth:`to_json` that this verdict and its reply decide, in order; without
        the keys of :meth:`decision_json` when `decision` is false."""
        reply = self.reply
        data: dict[str, object] = {
            "input": reply.raw,
            "text": reply.text,
            "reply_code": self.reply_code,
            "enhanced_code": self.enhanced_code,
            "class": self.code_class.value if self.code_class else None,
            "code_sources": dict(self.code_sources),
        }
        if decision:
            data.update(self.decision_json())
        data.update(
            {
                "origin": reply.origin,
                "remote_host": reply.remote_host,
                "recipient": reply.recipient,
                "action_field": reply.dsn_action,
                "dsn_status": reply.dsn_status,
                "smtp_command": reply.smtp_command,
                "location": reply.location,
            }
        )
        return data

    def decision(self) -> tuple[object, ...]:
        """The fields :meth:`decision_json` is made of: verdicts that agree on them give the same
        decision_json, whatever their replies."""
        return cast("tuple[object, ...]", self[_DECISION])

    def decision_json(self) -> dict[str, object]:
        """The keys of :meth:`to_json` that say what was decided about the delivery, in order."""
        cat = kb.categories().get(self.category)
        return {
            "category": self.category,
            "category_title": cat.title if cat else None,
            "bounce": self.bounce,
            "retry": self.retry,
            "action": self.action,
            "party": self.party,
            "provider": self.provider,
            "provider_meaning": self.provider_meaning,
            "rule_meaning": self.rule_meaning,
            "confidence": self.confidence,
            "conflict": self.conflict,
            "evidence": [e.to_json() for e in self.evidence],
            "mappings": _mappings(self.category),
        }


# The fields from category to conflict: everything decision_json reads.
_DECISION = slice(Verdict._fields.index("category"), Verdict._fields.index("conflict") + 1)
assert list(Verdict._fields)[_DECISION] == [
    "category",
    "bounce",
    "retry",
    "action",
    "party",
    "provider",
    "provider_meaning",
    "rule_meaning",
    "confidence",
    "evidence",
    "conflict",
]


def _mappings(category: str) -> dict[str, object]:
    cat = kb.categories().get(category)
    if cat is None:
        return {"sisimai": None, "ses": None}
    ses: dict[str, str] | None = None
    if cat.ses_bounce_type:
        ses = {"bounceType": cat.ses_bounce_type, "bounceSubType": cat.ses_bounce_subtype}
    return {"sisimai": cat.sisimai[0] if cat.sisimai else None, "ses": ses}


# The same few codes recur on every line: each is checked once.
@functools.lru_cache(maxsize=1024)
def _valid_enhanced(code: str | None) -> str | None:
    """A valid enhanced code, or the registry's class-less notation X.s.d (explain X.7.26)."""
    if not code:
        return None
    return code if enhanced_problem("5" + code[1:] if code[0] in "Xx" else code) is None else None


@functools.lru_cache(maxsize=1024)
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


_INTERMEDIATE_ACTION = (
    "Nothing failed: a 3yz reply accepts a step and waits for the next one (354: send the "
    "message; 334: the next AUTH step), so it is no delivery result (RFC 5321 section 4.2.1)."
)
_TRANSIENT_HARD_ACTION = (
    "The server calls this temporary (a 4yz reply): let the sending server retry, and check or "
    "remove the address only if a permanent (5yz) refusal follows (RFC 5321 section 4.2.1)."
)


_PERMANENT_NO_RETRY_ACTION = (
    "The refusal is permanent (a 5yz reply), so the sending server will not retry it: find and "
    "fix the cause the reply names, then resend (RFC 5321 section 4.2.1)."
)


# How the rules' advice for temporary trouble begins, and what it becomes when nobody retries.
_LET_IT_RETRY = "Let the server retry"
_NOT_RETRIED = "The sending server will not retry this ({}): resend it later"
_DELAYED_ACTION = (
    "A delay warning, not a failure: the sending server is still trying, so do not resend (the "
    "recipient could get it twice; RFC 3464 section 2.3.3)."
)
_GAVE_UP_ACTION = (
    "The sending server has stopped trying (the report is final, after temporary failures): "
    "resend the message once the cause the reply names is fixed or has passed."
)
_UNCORROBORATED_ACTION = (
    "The server calls the user unknown, but with no address status (X.1.x) and nothing showing "
    "the refusal came at RCPT TO, which is also how recipient filters answer: check the address, "
    "and if it is right, ask the recipient whether their mail filter refuses you."
)
_GREETING_ACTION = (
    "The server refused the connection before any sender or recipient was named, so it refuses "
    "the sending IP itself (a block list, its reputation, or overload): if the reply names a "
    "list, look the IP up there; else check the IP's reputation and retry later."
)


def _class_conflict(
    reply_code: str | None, enhanced: str | None, source: str | None = None
) -> str | None:
    """What to say when the reply code and the enhanced code disagree about the class."""
    if not reply_code or not enhanced or enhanced[0] in "Xx" or reply_code[0] == enhanced[0]:
        return None
    said = class_of(reply_code)
    other = class_of(enhanced)
    if said is None or other is None:
        return None
    if source == "DSN Status field":
        return (
            f"the reply code {reply_code} is {said.value} but the DSN's Status {enhanced} says "
            f"{other.value}; the reply code, the server's own answer, wins (RFC 5321 section 4.2; "
            "RFC 3464 section 2.3.4: the Status is the reporting MTA's summary)"
        )
    return (
        f"the reply code {reply_code} is {said.value} but the enhanced code {enhanced} says "
        f"{other.value}; the reply code wins (RFC 5321 section 4.2: a client acts on the reply "
        "code; RFC 2034 section 4: the enhanced code is part of the text)"
    )


def _text_over_code(code: str, code_category: str, category: str, match: kb.RuleMatch) -> str:
    """Why the text's reading beat the code's, saying who documents it."""
    rule = match.rule
    who = None if rule.provider in _MTAS else kb.provider(rule.provider).name
    if category == "undetermined":
        says = f"the reply gives no reason ({rule.id})"
    elif who and rule.priority >= 2:
        says = f"{who}'s own token {match.matched!r} means {category} ({rule.id})"
    elif who:
        says = f"{who} documents {match.matched!r} as {category} ({rule.id})"
    else:
        says = f"the text says {category} ({match.matched!r}, {rule.id})"
    why = (
        "the provider's documentation outranks the registry's general meaning of the code"
        if who
        else "servers often send a default code whatever the cause, while the wording names it"
    )
    return f"the code {code} means {code_category}, but {says}; the text wins: {why}"


def _message_kind_verdict(reply: Reply) -> tuple[kb.CategoryId, str] | None:
    if reply.message_kind == "feedback":
        return "feedback", f"ARF feedback report ({reply.feedback_type or 'unknown type'})"
    if reply.message_kind == "auto-reply":
        return "auto-reply", "an automatic reply (RFC 3834), not a delivery failure"
    if (reply.dsn_action or "").lower() in ("delivered", "relayed", "expanded"):
        return "delivered", f"DSN Action: {reply.dsn_action}"
    return None


@functools.lru_cache(maxsize=2048)
def _explain(reply_code: str | None, enhanced: str | None) -> Explanation:
    """The registry's explanation of a code pair; the same pair recurs across a whole mailbox."""
    return explain_code(reply_code, enhanced)


def _class_of_reply(reply: Reply, code: str | None) -> CodeClass | None:
    if code:
        return class_of(code)
    action = (reply.dsn_action or "").lower()
    if action == "failed" or reply.log_status in ("bounced", "expired"):
        return CodeClass.PERMANENT
    if action == "delayed" or reply.log_status == "deferred":
        return CodeClass.TRANSIENT
    return None


# Verdicts already reached, by what they depend on: a day of logs repeats the same few hundred
# reasons, and only the words that rules matched, not the whole text (which carries ids, addresses
# and session numbers), decide a verdict. Bounded (oldest dropped first) so memory stays flat.
# A verdict is kept as its fields after the reply, which is each line's own.
_VERDICTS: dict[tuple[object, ...], tuple[object, ...] | None] = {}
_VERDICTS_MAX = 4096
_MISSING = object()
# What varies from line to line: a verdict depends on the other fields of a reply. The text counts
# through the rules it matched only, and so do an email's headers; the raw input only where the
# verdict quotes it (the x-unix evidence in _adjust). A test diagnoses whole logs and the corpus
# with and without the cache, so a new use of a field must keep that test passing.
_VARYING = frozenset(
    {"text", "raw", "lines", "recipient", "queue_id", "timestamp", "location", "headers"}
)
# One C call, not a NamedTuple._replace: the key is built for every log line.
_reason_fields = operator.itemgetter(
    *[i for i, name in enumerate(Reply._fields) if name not in _VARYING]
)
_new_verdict = tuple.__new__
# The cache stores verdict[1:]: everything after the reply.
assert Verdict._fields[0] == "reply"


def rule_matches(reply: Reply) -> list[kb.RuleMatch]:
    """The rules the reply's text matches, and the header rules its email's headers match."""
    matches = kb.match_rules(reply.text) if reply.text else []
    if reply.headers:
        matches += kb.match_headers(reply.headers)
    return matches


def diagnose_reply(reply: Reply) -> Verdict | None:
    """The verdict on one reply; None when it holds nothing recognisable (no code, no known text)."""
    matches = rule_matches(reply)
    key = (
        _reason_fields(reply),
        reply.raw[:200] if reply.diagnostic_type == "x-unix" else "",
        *[(m.rule.id, m.matched) for m in matches],
    )
    known = _VERDICTS.get(key, _MISSING)
    if known is _MISSING:
        verdict = _diagnose(reply, matches)
        if len(_VERDICTS) >= _VERDICTS_MAX:
            del _VERDICTS[next(iter(_VERDICTS))]
        _VERDICTS[key] = verdict[1:] if verdict is not None else None
        return verdict
    if known is None:
        return None
    return _new_verdict(Verdict, (reply, *cast("tuple[object, ...]", known)))


def _diagnose(reply: Reply, matches: list[kb.RuleMatch]) -> Verdict | None:
    """diagnose_reply, given the rules the reply's text matched."""
    reply_code, enhanced, sources, notes = _choose_codes(reply)
    explanation = _explain(reply_code, enhanced) if (reply_code or enhanced) else None
    # RFC 5321 section 4.2: a client acts on the reply code, not on the text the enhanced code
    # stands in (RFC 2034 section 4), so the reply code's class wins when the two disagree.
    klass = _class_of_reply(reply, reply_code or enhanced)
    class_conflict = _class_conflict(reply_code, enhanced, sources.get("enhanced_code"))

    evidence: list[Evidence] = []
    host_provider = _host_provider(reply)
    rule_match = _best(matches, host_provider.id if host_provider else None)
    by_code = code_category(reply_code, enhanced, explanation.vendor if explanation else ())
    kind = _message_kind_verdict(reply)

    conflict: str | None = None
    category: kb.CategoryId
    confidence: kb.Confidence
    rule = rule_match.rule if rule_match else None
    # The rule that decided names the provider even when the context changes the category.
    decided = rule
    # The code that decided: the reply code when it outranks the enhanced one (reply_decides).
    deciding_code = (
        reply_code if by_code is not None and by_code.code == reply_code else enhanced or reply_code
    )
    code_evidence = (
        Evidence(f"code:{by_code.code}", by_code.source, deciding_code or "")
        if by_code is not None
        else None
    )
    if kind is not None:
        category = kind[0]
        evidence.append(Evidence(f"message:{category}", "RFC 3464 / RFC 3834 / RFC 5965", kind[1]))
        confidence = "high"
        rule = None
    elif rule is not None and rule_match is not None and rule.priority >= 0:
        category = rule.category
        evidence.append(Evidence(rule.id, rule.source, rule_match.matched))
        confidence = "high" if rule.priority >= 1 and rule.confidence == "high" else "medium"
        if by_code is not None and code_evidence is not None and by_code.category != category:
            if by_code.specific:
                conflict = _text_over_code(
                    deciding_code or "", by_code.category, category, rule_match
                )
                confidence = "medium" if confidence == "high" else "low"
            evidence.append(code_evidence)
    elif by_code is not None and code_evidence is not None and klass is not None:
        category = by_code.category
        evidence.append(code_evidence)
        confidence = "medium" if by_code.specific else "low"
        if rule is not None and rule_match is not None:
            # A fallback rule (priority < 0) refines an unspecific code, never a specific one.
            if not by_code.specific:
                category = rule.category
                evidence.append(Evidence(rule.id, rule.source, rule_match.matched))
            else:
                rule = None
    elif rule is not None and rule_match is not None:
        category = rule.category
        evidence.append(Evidence(rule.id, rule.source, rule_match.matched))
        confidence = "low"
    elif klass is not None:
        category = "delivered" if klass is CodeClass.SUCCESS else "undetermined"
        evidence.append(
            Evidence(f"class:{klass.value}", REGISTRY_SOURCE, enhanced or reply_code or "")
        )
        confidence = "low"
    elif reply.origin == "codes" and code_evidence is not None and by_code is not None:
        # A bare code in the registry's notation (X.7.26) or with no class: the code alone speaks.
        category = by_code.category
        evidence.append(code_evidence)
        confidence = "low"
    elif reply.origin == "codes" and explanation is not None and explanation.reply is not None:
        # A known non-standard code (101, 111): no class to go by, but the registry knows it.
        category = "undetermined"
        evidence.append(Evidence(f"code:{reply_code}", "data/reply-codes.csv", reply_code or ""))
        confidence = "low"
    elif reply.message_kind in ("dsn", "bounce"):
        # A bounce whose wording we do not know is still a failure report.
        category = "undetermined"
        evidence.append(Evidence("message:bounce", "RFC 3464 / RFC 6522", reply.message_kind or ""))
        confidence = "low"
    else:
        return None

    final = False  # a report that the sending server has stopped trying
    delayed = False  # a warning that it is still trying
    if kind is None:
        context = _Context(reply, by_code, enhanced, rule, matches, host_provider, explanation)
        final = context.failed
        # A report (an email, a pasted DSN) that warns of a delay; a live 4yz or a deferred log
        # line is its own kind of "not yet", and keeps its cause's advice.
        delayed = context.delayed and (reply.message_kind is not None or bool(reply.dsn_action))
        adjusted = _adjust(category, context)
        if adjusted is not None:
            category, why = adjusted
            evidence.append(why)
            if conflict is not None:
                # The text's reading won over the code; the context then changed it again.
                conflict += f"; then {why.rule} made it {category} ({why.matched})"
            if rule is not None and rule.category != category:
                rule = None
            if confidence == "high":
                confidence = "medium"

    if klass is CodeClass.SUCCESS and category not in NOT_FAILURES:
        # A single word names a topic ("spam check passed", "after greylisting"), not a failure:
        # only a phrase ("rejected as spam") is worth a conflict on a success.
        if rule is not None and rule_match is not None and " " in rule_match.matched.strip():
            conflict = (
                f"the text says {category} ({rule_match.matched!r}), but the reply code "
                f"{reply_code or enhanced} says the server accepted the message; the code wins "
                "(RFC 5321 section 4.2: a client acts on the reply code), though a bounce may "
                "still follow if the server drops the message later"
            )
        rule = None  # its failure advice and meaning do not apply to a success
        category, confidence = "delivered", "high"
    elif klass is CodeClass.INTERMEDIATE and category not in NOT_FAILURES:
        if rule is not None and rule_match is not None:
            conflict = (
                f"the text says {category} ({rule_match.matched!r}), but the reply code "
                f"{reply_code} only accepts a step and waits for the next one; the code wins "
                "(RFC 5321 section 4.2)"
            )
            rule = None
        category = "undetermined"
    if klass is None and category not in NOT_FAILURES:
        klass = CodeClass.PERMANENT if (rule and rule.retry == "no") else None

    cat = kb.categories().get(category)
    retry = rule.retry if rule else (cat.retry if cat else "later")
    retry_stopped = False
    if klass is CodeClass.TRANSIENT and retry == "no" and category != "expired":
        retry = "later"  # the server itself said the condition is temporary
    elif klass is CodeClass.PERMANENT and category == "undetermined":
        retry = "no"  # a 5xx whose cause we cannot tell: not again as it is (RFC 5321 4.2.1)
    elif (klass is CodeClass.PERMANENT or final) and retry == "yes":
        # After a 5yz the sending server does not retry, and the client SHOULD NOT repeat the
        # request as it is (RFC 5321 4.2.1); after a final report (Action: failed) it has stopped
        # retrying: resending waits for time or a fix.
        retry = "later"
        retry_stopped = True
    if category in NOT_FAILURES:
        retry = "no"
    party = (rule.party if rule and rule.party else None) or (cat.party if cat else None) or None
    # What the rule or the category advises; the class and the report's kind may reword it below.
    advice = (rule.advice if rule and rule.advice else None) or (cat.action if cat else "")
    action = advice
    bounce = _bounce(category, klass)
    if klass is CodeClass.INTERMEDIATE:
        # 3yz: the server accepted the step and waits for the next one (RFC 5321 4.2.1).
        retry, party, bounce, action = "no", None, None, _INTERMEDIATE_ACTION
    elif klass is CodeClass.TRANSIENT and bounce == "hard" and not final:
        action = _TRANSIENT_HARD_ACTION
    elif klass is CodeClass.PERMANENT or final:
        # Advice that says to let the server retry assumes a server that is still retrying.
        if advice.startswith(_LET_IT_RETRY):
            rest = advice[len(_LET_IT_RETRY) :]
            stopped = "after a 5yz refusal" if klass is CodeClass.PERMANENT else "it has given up"
            action = _NOT_RETRIED.format(stopped) + (rest if rest[:1] in (";", ",") else ".")
        elif retry_stopped:
            action = _PERMANENT_NO_RETRY_ACTION if klass is CodeClass.PERMANENT else _GAVE_UP_ACTION
    if any(e.rule == "context:uncorroborated" for e in evidence):
        action = _UNCORROBORATED_ACTION
    elif (
        category == "blocklisted"
        and rule is None
        and any(e.rule == "context:greeting" for e in evidence)
    ):
        action = _GREETING_ACTION  # the category's advice assumes a named listing
    if delayed and category not in NOT_FAILURES:
        # A warning condemns no address, and the cause's own advice is what to do if a failure
        # report follows.
        if klass is not CodeClass.PERMANENT:
            retry = "yes"
        bounce = "soft"
        if advice.startswith(_LET_IT_RETRY):
            # Waiting is what happens; what the advice says beyond it still holds.
            rest = advice[len(_LET_IT_RETRY) :].strip(" ;,.")
            rest = rest[0].upper() + rest[1:] + "." if rest and rest != "later" else ""
            action = f"{_DELAYED_ACTION} {rest}".strip()
        elif advice:
            action = f"{_DELAYED_ACTION} If a failure report follows: {advice}"
        else:
            action = _DELAYED_ACTION
    if class_conflict is not None:
        conflict = f"{conflict}; {class_conflict}" if conflict else class_conflict

    if decided is not None and not any(e.rule == decided.id for e in evidence):
        decided = None  # a rule outranked by a specific code or a message kind
    provider_name, provider_meaning = _provider(
        rule or decided, host_provider, explanation, evidence, reply
    )
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
        rule_meaning=rule.meaning if rule is not None else None,
        confidence=confidence,
        evidence=tuple(evidence),
        conflict=conflict,
        code_sources=tuple(sources.items()),
    )


# Rule sources that are mail software, not someone the sender deals with: never a verdict's provider.
_MTAS = frozenset({"generic", "postfix", "exim", "sendmail", "qmail"})


def _host(reply: Reply) -> str | None:
    """The host that gave the reply: the remote host, or, in a DSN that names no Remote-MTA, the
    Reporting-MTA itself (the failure happened there, RFC 3464 sections 2.2.2 and 2.3.5)."""
    if reply.remote_host:
        return reply.remote_host
    if reply.remote_ip is None and reply.message_kind == "dsn":
        return reply.reporting_mta
    return None


def _host_provider(reply: Reply) -> kb.Provider | None:
    host = _host(reply)
    return _provider_for_host(host) if host else None


# A log names the same few hundred relays all day.
_provider_for_host = functools.lru_cache(maxsize=4096)(kb.provider_for_host)


def _provider(
    rule: kb.Rule | None,
    host_provider: kb.Provider | None,
    explanation: Explanation | None,
    evidence: list[Evidence],
    reply: Reply,
) -> tuple[str | None, str | None]:
    """Who sent the reply: a provider rule that decided, else the remote host, else a vendor code.

    A vendor's meaning for a code the IANA registry also defines (Gmail's 5.2.1) names the vendor
    only when the host agrees: any server may send 5.2.1. A code only one vendor uses (5.7.708)
    names it by itself.
    """
    if rule is not None and rule.provider not in _MTAS:
        provider = kb.providers().get(rule.provider)
        if provider is not None:
            return provider.name, rule.meaning
    vendor = explanation.vendor if explanation is not None else ()
    if host_provider is not None:
        evidence.append(Evidence("host", host_provider.source, _host(reply) or ""))
        for v in vendor:
            if v.provider == host_provider.id:
                return host_provider.name, v.meaning
        return host_provider.name, None
    if vendor and explanation is not None and not explanation.registered:
        found = kb.providers().get(vendor[0].provider)
        return (found.name if found else vendor[0].provider), vendor[0].meaning
    return None, None


# Categories that say what the codes say rather than what happened: the phase of the SMTP
# conversation can say more.
_UNSPECIFIC = frozenset({"undetermined", "policy", "system-error"})
# Categories about the recipient's address or mailbox: a reply to MAIL FROM or to the greeting
# cannot be about them (RFC 5321 section 3.3: the recipient is named at RCPT TO).
_RECIPIENT_SIDE = frozenset(
    {"user-unknown", "domain-unknown", "mailbox-disabled", "recipient-filtered", "mailbox-full"}
)
# Failures a sending MTA retries (RFC 5321 section 4.5.4.1); a failure report that names one as
# its cause means the retries ran out.
_RETRIED = frozenset({"network", "system-error", "system-full", "undetermined"})
_CONNECT_PHASE = frozenset({"connect", "HELO", "EHLO", "LHLO"})
_SOURCE_PHASE = "RFC 5321 section 3.3 (MAIL FROM names the sender, RCPT TO the recipients)"
_SOURCE_GAVE_UP = (
    "RFC 3464 section 2.3.3 (Action: failed after transient errors); RFC 5321 section 4.5.4.1 "
    "(senders retry transient failures until the queue lifetime ends); RFC 3463 X.4.7"
)


# A NamedTuple, not a frozen dataclass: it is built for every new reason, and a frozen dataclass
# sets each field through object.__setattr__.
class _Context(NamedTuple):
    reply: Reply
    by_code: CodeCategory | None
    enhanced: str | None
    rule: kb.Rule | None
    matches: list[kb.RuleMatch]
    host_provider: kb.Provider | None
    explanation: Explanation | None

    @property
    def command(self) -> str:
        return self.reply.smtp_command or ""

    def stage(self, name: str) -> kb.RuleMatch | None:
        return next((m for m in self.matches if m.rule.stage == name), None)

    @property
    def delayed(self) -> bool:
        """Whether this is a delay warning: the DSN's Action says so, or, when there is no
        Action field to say otherwise, the wording does ("will be retried")."""
        action = (self.reply.dsn_action or "").lower()
        if action:
            return action == "delayed"
        return self.stage("delayed") is not None

    @property
    def failed(self) -> bool:
        """Whether this is a final failure report (not a delay warning, not a live reply)."""
        reply = self.reply
        if self.delayed:
            return False
        if (reply.dsn_action or "").lower() == "failed" or reply.log_status in (
            "bounced",
            "expired",
        ):
            return True
        return reply.message_kind in ("dsn", "bounce")

    @property
    def unknown_user_corroborated(self) -> bool:
        """Whether more than a generic wording says the mailbox does not exist.

        The server's address status (X.1.x), a refusal at RCPT TO, or a provider's own
        documented wording; "user unknown" alone is also what recipient-side filters answer
        (Japanese carriers after DATA), which says nothing about the address.
        """
        # The code the server itself sent wins over a DSN Status summary (_choose_codes).
        code = self.enhanced
        if code and code.split(".")[1] == "1" and code.split(".")[2] not in ("7", "8"):
            return True
        if self.command == "RCPT TO" or self.reply.mta_category == "bad-mailbox":
            return True  # PowerMTA's own class of the failure says the mailbox is bad
        if (
            self.rule is not None
            and self.rule.category == "user-unknown"
            and self.rule.priority >= 1
        ):
            return True
        host = self.host_provider.id if self.host_provider else None
        vendor = self.explanation.vendor if self.explanation is not None else ()
        return any(v.category == "user-unknown" and v.provider == host for v in vendor)


def _adjust(category: kb.CategoryId, ctx: _Context) -> tuple[kb.CategoryId, Evidence] | None:
    """Context that changes what the words mean: the SMTP phase, and whether the sender gave up."""
    reply, by_code, command = ctx.reply, ctx.by_code, ctx.command
    specific_rule = ctx.rule is not None and ctx.rule.priority >= 0
    if reply.diagnostic_type == "x-unix" and category in _UNSPECIFIC and not specific_rule:
        return "mailer-error", Evidence(
            "context:x-unix",
            "RFC 3464 section 2.3.6 (Diagnostic-Code); sendmail reports a local delivery "
            "program's exit status as type X-Unix",
            reply.raw[:200],
        )
    code_only = ctx.rule is None  # no wording matched: the category is the code's alone
    if command == "MAIL FROM" and (
        category in _RECIPIENT_SIDE or (category in ("undetermined", "policy") and code_only)
    ):
        return "sender-rejected", Evidence(
            "context:mail-from", _SOURCE_PHASE, f"{category} in reply to MAIL FROM"
        )
    if command in _CONNECT_PHASE:
        if category in _RECIPIENT_SIDE:
            # "Invalid domain name" to EHLO is about the client's own name.
            return "protocol", Evidence(
                "context:greeting", _SOURCE_PHASE, f"{category} in reply to {command}"
            )
        if category in _UNSPECIFIC and not specific_rule:
            # Refused before any sender or recipient was named: the client itself is refused.
            return "blocklisted", Evidence(
                "context:greeting",
                "RFC 5321 section 3.1 (a server may refuse a client at connection or greeting)",
                f"refusal in reply to {command}",
            )
    if category == "user-unknown" and not ctx.unknown_user_corroborated:
        if command.startswith("DATA"):
            # RFC 5321 section 3.3: recipients are accepted or refused at RCPT TO. An "unknown
            # user" after DATA means the address was accepted and a filter refused this message.
            return "recipient-filtered", Evidence(
                "context:after-data",
                "RFC 5321 section 3.3 (recipients are validated at RCPT TO)",
                f"'user unknown' in reply to {reply.smtp_command}",
            )
        if reply.message_kind in ("dsn", "bounce"):
            return "recipient-filtered", Evidence(
                "context:uncorroborated",
                "RFC 5321 section 3.3; RFC 3463 X.1.x; p5-sisimai Sisimai::Reason::UserUnknown "
                "and Filtered (a generic 'user unknown' outside RCPT TO is a filter's answer too)",
                "a generic 'user unknown' with no X.1.x status, no RCPT TO phase and no provider "
                "wording: the address is not condemned",
            )
    if ctx.delayed:
        # A delay notice: the sending server is still trying, so nothing has expired or been
        # given up on, whatever the code (Exchange sends 4.4.7 in its delay warnings).
        if category == "expired":
            return "network", Evidence(
                "context:delayed",
                "RFC 3464 section 2.3.3 (Action: delayed: the MTA will keep trying); RFC 3463 "
                "section 3.5 (X.4.x: network and routing status)",
                "a delay notice (Action: delayed): the sending server is still trying",
            )
        return None
    if category in _RETRIED:
        gave_up = ctx.stage("gave-up")
        if gave_up is not None or (by_code is not None and by_code.category == "expired"):
            return "expired", Evidence(
                "context:gave-up",
                _SOURCE_GAVE_UP,
                gave_up.matched
                if gave_up
                else f"{ctx.enhanced or reply.reply_code} after {category}",
            )
        if category == "network" and ctx.failed and _no_answer(ctx):
            return "expired", Evidence(
                "context:gave-up",
                _SOURCE_GAVE_UP,
                "a failure report whose only cause is that the destination never answered "
                "(X.4.1): the message expired waiting",
            )
    return None


def _no_answer(ctx: _Context) -> bool:
    """Whether the cause is that the destination never answered (RFC 3463 X.4.1: no answer from
    host, connection timed out or refused). A DNS failure (X.4.3, X.4.4) or a dropped conversation
    (X.4.2) names a cause of its own and stays a network failure."""
    if ctx.rule is not None and ctx.rule.category == "network":
        codes = (ctx.rule.enhanced or "").split("/")
    else:
        codes = [ctx.enhanced or ""]
    return any(code[:1] == "4" and code[1:] == ".4.1" for code in codes)


def _bounce(category: str, klass: CodeClass | None) -> Bounce | None:
    """Hard when the address itself is bad (as Sisimai decides, so figures compare)."""
    if category in NOT_FAILURES:
        return None
    if category in HARD_CATEGORIES:
        return "hard"
    if category == "domain-rejects-mail" and klass is CodeClass.PERMANENT:
        return "hard"
    return "soft"


def _best(matches: list[kb.RuleMatch], host_provider: str | None) -> kb.RuleMatch | None:
    """The winning rule: highest priority, a cause before a stage, the host's own provider, then
    the longest match."""
    if not matches:
        return None
    return max(
        matches,
        # A stage ("gave up", "delayed") wraps the cause: among equals the cause wins.
        key=lambda m: (
            m.rule.priority,
            m.rule.stage is None,
            m.rule.provider == host_provider,
            len(m.matched),
        ),
    )


def diagnose_replies(replies: Iterable[Reply]) -> Iterator[Verdict]:
    for reply in replies:
        verdict = diagnose_reply(reply)
        if verdict is not None:
            yield verdict


def replies_in(data: str | bytes, kind: str = "auto") -> list[Reply]:
    """Every reply in a pasted text, log lines, codes, a whole bounce email or an mbox of them
    (bytes or text; UTF-16 behind a byte order mark is read as the text it is)."""
    if isinstance(data, str):
        if not (kind in ("auto", "email") and data.startswith("From ")):
            return parse_text(data, kind)
        data = data.encode("utf-8", errors="replace")
    else:
        _require_data(data, "replies_in")
    from smtpcodes._encoding import to_utf8

    data = to_utf8(bytes(data))
    if kind in ("auto", "email"):
        from smtpcodes.bounce import looks_like_mbox, parse_mbox, parse_message

        if looks_like_mbox(data[:400], complete=len(data) <= 400):
            return parse_mbox(data)
        text = data.decode("utf-8", errors="replace")
        if kind == "email" or _looks_like_email(text):
            return parse_message(data)
        return parse_text(text, kind)
    return parse_text(data.decode("utf-8", errors="replace"), kind)


def _require_data(data: object, where: str) -> None:
    if not isinstance(data, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"{where}() takes a str or bytes, not {type(data).__name__}")


def analyse(data: str | bytes, kind: str = "auto") -> list[tuple[Reply, Verdict | None]]:
    """Each reply found with its verdict, or None where it holds nothing recognisable."""
    _require_data(data, "analyse")
    return [(reply, diagnose_reply(reply)) for reply in replies_in(data, kind)]


def diagnose(data: str | bytes, kind: str = "auto") -> list[Verdict]:
    """Diagnose a pasted reply, log lines, codes, or a whole bounce email: one verdict per reply."""
    _require_data(data, "diagnose")
    return [v for _, v in analyse(data, kind) if v is not None]


def _looks_like_email(text: str) -> bool:
    from smtpcodes.parse import detect_kind

    return detect_kind(text) == "email"


def with_location(verdict: Verdict, location: str) -> Verdict:
    return verdict._replace(reply=verdict.reply._replace(location=location))
