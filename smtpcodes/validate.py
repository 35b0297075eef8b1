"""Check SMTP codes and replies against the RFCs; each problem is a Finding with its RFC section.

Severity follows the RFC's own strength: "error" where it says MUST (or the grammar is broken),
"warning" where it says SHOULD or where practice differs, "info" for notes that are not faults.

Rule ids are stable (they appear in JSON output). rule, severity, reference: when it fires.

Reply syntax (RFC 5321):
- no-code, error, RFC 5321 section 4.2: nothing in the input looks like an SMTP code.
- reply-syntax, error, RFC 5321 section 4.2: a reply code breaks Reply-code
  (%x32-35 %x30-35 %x30-39), or a reply line does not begin with three digits.
- missing-separator, error, RFC 5321 section 4.2: the code is followed by something other than
  SP, "-" or the end of the line.
- multiline-early-end, error, RFC 5321 section 4.2.1: a line before the last has no "-".
- multiline-unterminated, error, RFC 5321 section 4.2.1: the last line has "-".
- multiline-code-mismatch, error, RFC 5321 section 4.2.1: lines carry different reply codes.
- control-character, error, RFC 5321 section 4.2: text outside textstring (HT, SP, printable).
- line-too-long, warning, RFC 5321 section 4.5.3.1.5: a line over 512 octets with CRLF
  (section 4.5.3.1 says larger objects SHOULD be avoided, so not an error).
- non-ascii-text, warning, RFC 6531 section 3.7.4.2: UTF-8 outside the few SMTPUTF8 cases.
- bare-code, warning, RFC 5321 section 4.2: the reply has no text (SHOULD NOT).
- code-only-line, info, RFC 5321 section 4.2.1: a multi-line reply ends with "250", no SP.
- nonstandard-reply, warning, RFC 5321 section 4.2: a well-formed code no RFC defines (510),
  or one the registry marks non-standard.

Enhanced codes (RFC 3463, RFC 2034, RFC 5248):
- enhanced-syntax, error, RFC 3463 section 2: class not 2/4/5, subject or detail not 1 to 3
  digits, a leading zero, or X (registry notation) inside a reply.
- registry-notation, info, RFC 5248 section 1: a bare code written X.7.26.
- enhanced-separator, warning, RFC 2034 section 3: no space after the code ("5.7.1:").
- not-registered, warning, RFC 3463 section 2: well-formed but not in the IANA registry.
- subject-unknown, warning, RFC 3463 section 2: the subject is undefined (X.8.1).
- deprecated, warning, the entry's RFC (RFC 6531 for X.6.10): the registry deprecates it.
- class-mismatch, error, RFC 2034 section 4: the class differs from the reply's first digit.
- enhanced-on-intermediate, warning, RFC 2034 section 4: an enhanced code on a 3xx reply.
- unusual-pairing, warning, RFC 5248 section 2.1: the registry does not list this reply code
  for the enhanced code (the list is not exclusive, so never an error); not raised for a
  pairing an RFC itself prescribes or uses (_RFC_PAIRINGS: 554 X.6.9, 452 X.5.3, 554 X.7.0).
- multiline-enhanced-mismatch, error, RFC 2034 section 4: lines carry different codes.
- missing-enhanced-on-line, error, RFC 2034 section 4: other lines carry one, this one not
  (the same "must" as multiline-enhanced-mismatch: "the same status code must appear at the
  beginning of the text in each line of the response").

A rule about single lines is described for the first PER_RULE lines of a reply that break it; the
other lines are counted in one more finding of the same rule, so the findings stay few whatever the
size of the input (a megabyte of junk read as one reply is thousands of lines).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from smtpcodes import limits, registry
from smtpcodes.codes import (
    enhanced_problem,
    find_codes,
    only_spans,
    parse_enhanced,
    reply_code_problem,
    require_str,
)

__all__ = [
    "ERROR",
    "INFO",
    "WARNING",
    "Finding",
    "Validation",
    "validate",
    "validate_code",
    "validate_lines",
    "validate_reply",
]

ERROR = "error"
WARNING = "warning"
INFO = "info"

RFC5321_REPLY = "RFC 5321 section 4.2"
RFC5321_MULTILINE = "RFC 5321 section 4.2.1"
RFC5321_LINE_LENGTH = "RFC 5321 section 4.5.3.1.5"
RFC3463_SYNTAX = "RFC 3463 section 2"
RFC2034_FRAMEWORK = "RFC 2034 section 3"
RFC2034_CODES = "RFC 2034 section 4"
RFC5248_NOTATION = "RFC 5248 section 1"
RFC5248_ASSOCIATED = "RFC 5248 section 2.1"
RFC5248_UPDATES = "RFC 5248 section 2.3"
RFC6531_REPLIES = "RFC 6531 section 3.7.4.2"

MAX_REPLY_LINE_OCTETS = 512  # including CRLF, RFC 5321 section 4.5.3.1.5
PER_RULE = 3  # lines of one reply described one by one per rule; the rest are summed up
LINES_NAMED = 10  # line numbers named in that sum


class Finding(NamedTuple):
    """One problem (or note) about a code or reply, with the RFC section that sets the rule."""

    severity: str  # ERROR | WARNING | INFO
    rule: str  # a stable id from the module docstring
    message: str
    reference: str  # "RFC 2034 section 4"

    def to_json(self) -> dict[str, str]:
        return {
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
            "reference": self.reference,
        }


class Validation(NamedTuple):
    """The findings about one input: a code, a code pair or one reply."""

    input: str
    findings: tuple[Finding, ...]

    @property
    def valid(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    def to_json(self) -> dict[str, object]:
        return {
            "input": self.input,
            "valid": self.valid,
            "findings": [f.to_json() for f in self.findings],
        }


def _show(value: str, limit: int = 40) -> str:
    """A value from untrusted text, quoted and escaped, cut short so a message stays one line."""
    if len(value) > limit:
        value = value[:limit] + "..."
    return repr(value)


def _no_code(value: str) -> Finding:
    return Finding(
        ERROR,
        "no-code",
        f"nothing in {_show(value)} looks like an SMTP code: expected a reply code like 550, "
        "an enhanced code like 5.7.26, a pair like 550 5.7.26, or a reply line",
        RFC5321_REPLY,
    )


# --- code-level checks ---------------------------------------------------------------------------


def _check_reply_code(code: str) -> list[Finding]:
    problem = reply_code_problem(code)
    if problem is not None:
        shown = code if _DIGITS.fullmatch(code) and len(code) <= 12 else _show(code, 12)
        return [
            Finding(
                ERROR,
                "reply-syntax",
                f"reply code {shown} breaks the RFC 5321 grammar "
                f"(Reply-code = %x32-35 %x30-35 %x30-39): {problem}",
                RFC5321_REPLY,
            )
        ]
    # The registry's note says where a non-standard code comes from; `explain` shows it, and
    # the finding stays one sentence.
    entry = registry.lookup_reply(code)
    if entry is None or not entry.standard:
        known = " (known from vendors and tables)" if entry is not None else ""
        return [
            Finding(
                WARNING,
                "nonstandard-reply",
                f"reply code {code} is well-formed but defined by no RFC{known}: RFC 5321 says"
                " servers SHOULD send only defined codes, and clients read others by their first"
                " digit",
                RFC5321_REPLY,
            )
        ]
    return []


# Pairings an RFC prescribes (or shows in its own examples) that the registry's list lacks:
# warning about them would contradict the RFC.
_RFC_PAIRINGS = {
    # "the reply-code '554' is used ... reply code 'X.6.9' ... is used to indicate this condition"
    ("554", "X.6.9"): "RFC 6531 section 3.5",
    # "The correct reply code for this condition [too many recipients] is 452"; X.5.3 is
    # "Too many recipients" (RFC 3463 section 3.6). IANA lists only 451.
    ("452", "X.5.3"): "RFC 5321 section 4.5.3.1.10 and RFC 3463 section 3.6",
    # "S: 554 5.7.0 IMAP URL authorization failed" in the BURL examples.
    ("554", "X.7.0"): "RFC 4468 section 3.4",
}


def _pairing_listed(reply: str, associated: tuple[str, ...]) -> bool:
    """Whether the registry lists `reply`; "5XX" in IANA's column matches any 5xx code."""
    for pattern in associated:
        if len(pattern) == 3 and all(
            p in "Xx" or p == r for p, r in zip(pattern, reply, strict=True)
        ):
            return True
    return False


def _check_enhanced(enhanced: str, reply: str | None, *, bare: bool) -> list[Finding]:
    """Syntax, registry and pairing checks of one enhanced code, alone or sent with `reply`."""
    findings: list[Finding] = []
    # X stands for any class (registry notation); probe with a valid class to check the rest.
    probe = "2" + enhanced[1:] if enhanced[:1] in ("x", "X") else enhanced
    shown = _show(enhanced, 20) if enhanced_problem(probe) else enhanced
    if enhanced[:1] in ("x", "X"):
        if not bare:
            return [
                Finding(
                    ERROR,
                    "enhanced-syntax",
                    f"enhanced code {shown} uses X, the registry's placeholder for the class: "
                    "a server must send the class digit 2, 4 or 5",
                    RFC3463_SYNTAX,
                )
            ]
        findings.append(
            Finding(
                INFO,
                "registry-notation",
                f"{shown} is the registry's notation with X for any class; "
                "a server sends it as 2, 4 or 5 followed by the same subject and detail",
                RFC5248_NOTATION,
            )
        )
    problem = enhanced_problem(probe)
    if problem is not None:
        findings.append(
            Finding(
                ERROR,
                "enhanced-syntax",
                f"enhanced code {shown} is malformed: {problem} (RFC 3463 allows class 2, 4 or 5 "
                "and a subject and detail of 1 to 3 digits without leading zeros)",
                RFC3463_SYNTAX,
            )
        )
        return findings
    code = parse_enhanced(probe)
    reply_class = (
        reply[0] if reply is not None and re.fullmatch("[2-5][0-9]{2}", reply) is not None else None
    )
    # The class is judged on the first digit alone; the pairing only for a grammatical reply code,
    # since a broken one already has its error.
    pairing_checked = (
        reply is not None and reply_class == str(code.klass) and reply_code_problem(reply) is None
    )
    if reply_class == "3":
        findings.append(
            Finding(
                WARNING,
                "enhanced-on-intermediate",
                f"reply {reply} is intermediate (3xx) but carries enhanced code {enhanced}: "
                "RFC 2034 puts enhanced codes on 2xx, 4xx and 5xx replies only (no class 3)",
                RFC2034_CODES,
            )
        )
    elif reply_class is not None and reply_class != str(code.klass):
        findings.append(
            Finding(
                ERROR,
                "class-mismatch",
                f"enhanced code class {code.klass} does not match reply code {reply}: RFC 2034 "
                "requires the class digit to equal the reply's first digit",
                RFC2034_CODES,
            )
        )

    entry = registry.lookup_enhanced(code)
    if entry is None:
        if not registry.subject_known(code.subject):
            findings.append(
                Finding(
                    WARNING,
                    "subject-unknown",
                    f"enhanced code {enhanced} has subject {code.subject}, which RFC 3463 and the "
                    f"registry do not define (X.0 to X.7); clients can report only its class",
                    RFC3463_SYNTAX,
                )
            )
        else:
            findings.append(
                Finding(
                    WARNING,
                    "not-registered",
                    f"enhanced code {enhanced} is well-formed but not registered ({code.key}): "
                    "RFC 3463 says servers should send registered codes, and clients fall back "
                    f"to the class and subject X.{code.subject}",
                    RFC3463_SYNTAX,
                )
            )
        return findings
    if entry.deprecated:
        instead = f"; use {entry.replaced_by} instead" if entry.replaced_by else ""
        where = next((r for r in entry.references if r.startswith("RFC ")), RFC5248_UPDATES)
        findings.append(
            Finding(
                WARNING,
                "deprecated",
                f"enhanced code {enhanced} ({entry.key}) is deprecated in the registry{instead}",
                where,
            )
        )
    if (
        pairing_checked
        and reply is not None
        and entry.associated
        and not entry.associated_any
        and not _pairing_listed(reply, entry.associated)
        and (reply, entry.key) not in _RFC_PAIRINGS
    ):
        findings.append(
            Finding(
                WARNING,
                "unusual-pairing",
                f"the registry lists {entry.key} with {', '.join(entry.associated)}, not {reply}: "
                "RFC 5248 says that list is not exclusive, so the pairing is allowed but unusual",
                RFC5248_ASSOCIATED,
            )
        )
    return findings


_PAIR = re.compile(r"(?P<reply>[0-9]+)(?:[ \t]*-[ \t]*|[ \t]+)(?P<enhanced>\S+)")
_DIGITS = re.compile(r"[0-9]+")


def validate_code(text: str) -> Validation:
    """Check an enhanced code ("5.7.26", "X.7.26"), a reply code ("550") or a pair (550 5.7.26)."""
    require_str(text, "validate_code")
    value = text.strip()
    findings: list[Finding]
    pair = _PAIR.fullmatch(value)
    if pair is not None:
        reply = pair.group("reply")
        findings = _check_reply_code(reply)
        findings += _check_enhanced(pair.group("enhanced"), reply, bare=False)
    elif "." in value or value[:1] in ("x", "X"):
        findings = _check_enhanced(value, None, bare=True)
    elif _DIGITS.fullmatch(value):
        findings = _check_reply_code(value)
    else:
        findings = [_no_code(value)]
    return Validation(text, tuple(findings))


# --- reply-level checks --------------------------------------------------------------------------


class _PerLine:
    """Findings about single lines of one reply: PER_RULE of each rule, then one that counts the rest."""

    def __init__(self) -> None:
        self._findings: list[Finding | None] = []  # None: the place of a rule's sum
        self._shown: dict[str, int] = {}
        # rule -> (its first finding not shown, the place of its sum, the first LINES_NAMED lines
        # not shown); _count holds how many lines were not shown
        self._more: dict[str, tuple[Finding, int, list[int]]] = {}
        self._count: dict[str, int] = {}

    def add(self, line_no: int, finding: Finding) -> None:
        rule = finding.rule
        shown = self._shown.get(rule, 0)
        if shown < PER_RULE:
            self._shown[rule] = shown + 1
            self._findings.append(finding)
            return
        if rule not in self._more:
            self._more[rule] = (finding, len(self._findings), [])
            self._findings.append(None)
        self._count[rule] = self._count.get(rule, 0) + 1
        named = self._more[rule][2]
        if len(named) < LINES_NAMED:
            named.append(line_no)

    def findings(self) -> list[Finding]:
        out = self._findings.copy()
        for rule, (first, place, named) in self._more.items():
            count = self._count[rule]
            s = "s" if count > 1 else ""
            lines = ", ".join(str(n) for n in named)
            if count > len(named):
                lines += f" and {count - len(named):,} more"
            out[place] = first._replace(
                message=f"{count:,} more line{s} with the same problem as the {PER_RULE} above "
                f"({rule}): line{s} {lines}"
            )
        return [f for f in out if f is not None]


_LINE_BREAK = re.compile(r"\r\n|\n")
_REPLY_CODE = re.compile(r"[0-9]{3}(?![0-9])")
_ENHANCED_AT_START = re.compile(r"(?:[0-9]+|[Xx])\.[0-9]+\.[0-9]+")
# textstring = 1*(%d09 / %d32-126): anything else below 128 is a control character.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _leading_enhanced(text: str, line_no: int) -> tuple[str | None, Finding | None]:
    """The enhanced code that begins a line's text, if any, and a finding if no space follows it."""
    body = text.lstrip(" \t")
    m = _ENHANCED_AT_START.match(body)
    if m is None:
        return None, None
    after = body[m.end() : m.end() + 2]
    # "192.168.1.1" or "1.2.3a" are text (an address, a version), not an enhanced code.
    if after[:1].isalnum() or after[:1] == "_" or (after[:1] == "." and after[1:2].isdigit()):
        return None, None
    code = m.group(0)
    if after[:1] in ("", " ", "\t"):
        return code, None
    return code, Finding(
        WARNING,
        "enhanced-separator",
        f"line {line_no}: enhanced code {code} is followed by {after[:1]!r}, not a space: "
        "RFC 2034 says the status code is always followed by one or more spaces",
        RFC2034_FRAMEWORK,
    )


def validate_reply(text: str) -> Validation:
    """Check one SMTP reply, single- or multi-line (lines separated by CRLF or LF)."""
    require_str(text, "validate_reply")
    body = text.rstrip("\r\n")
    if not body.strip():
        return Validation(text, (_no_code(text),))
    lines = _LINE_BREAK.split(body)
    per_line = _PerLine()
    first_code: str | None = None
    enhanced_by_line: list[tuple[int, str | None]] = []
    has_text = False
    non_ascii_line: int | None = None

    for line_no, line in enumerate(lines, 1):
        last = line_no == len(lines)
        octets = len(line.encode("utf-8", "surrogatepass")) + 2
        if octets > MAX_REPLY_LINE_OCTETS:
            per_line.add(
                line_no,
                Finding(
                    WARNING,
                    "line-too-long",
                    f"line {line_no} is {octets} octets including CRLF: RFC 5321 sets a reply line "
                    f"at {MAX_REPLY_LINE_OCTETS} octets at most and says longer lines SHOULD be "
                    "avoided (use more lines)",
                    RFC5321_LINE_LENGTH,
                ),
            )
        if _REPLY_CODE.match(line) is None:
            per_line.add(
                line_no,
                Finding(
                    ERROR,
                    "reply-syntax",
                    f"line {line_no} ({_show(line)}) does not begin with a three-digit reply code, "
                    "which RFC 5321 requires of every reply line",
                    RFC5321_REPLY,
                ),
            )
            continue
        code, separator, rest = line[:3], line[3:4], line[4:]
        if first_code is None:
            first_code = code
        elif code != first_code:
            per_line.add(
                line_no,
                Finding(
                    ERROR,
                    "multiline-code-mismatch",
                    f"line {line_no} has reply code {code} but the reply began with {first_code}: "
                    "RFC 5321 requires the same code on every line of a multi-line reply",
                    RFC5321_MULTILINE,
                ),
            )
        if separator not in ("", " ", "-"):
            per_line.add(
                line_no,
                Finding(
                    ERROR,
                    "missing-separator",
                    f"line {line_no}: reply code {code} is followed by {separator!r}: RFC 5321 "
                    'requires a space, a hyphen "-" (more lines follow) or the end of the line',
                    RFC5321_REPLY,
                ),
            )
            rest = line[3:]
        elif separator == "-" and last:
            per_line.add(
                line_no,
                Finding(
                    ERROR,
                    "multiline-unterminated",
                    f'line {line_no} ({code}-) is the last line but uses "-", which announces '
                    "another line: RFC 5321 ends a reply with a line whose code is followed by SP",
                    RFC5321_MULTILINE,
                ),
            )
        elif separator != "-" and not last:
            per_line.add(
                line_no,
                Finding(
                    ERROR,
                    "multiline-early-end",
                    f"line {line_no} ({code} with no hyphen) ends the reply but more lines follow: "
                    'RFC 5321 requires "-" after the code on every line but the last',
                    RFC5321_MULTILINE,
                ),
            )
        if rest.strip(" \t"):
            has_text = True
        control = _CONTROL.search(rest)
        if control is not None:
            per_line.add(
                line_no,
                Finding(
                    ERROR,
                    "control-character",
                    f"line {line_no} holds the control character {control.group(0)!r}: RFC 5321 "
                    "allows only tab, space and printable US-ASCII in reply text",
                    RFC5321_REPLY,
                ),
            )
        if non_ascii_line is None and _NON_ASCII.search(rest):
            non_ascii_line = line_no
        if separator in (" ", "-"):
            enhanced, problem = _leading_enhanced(rest, line_no)
            if problem is not None:
                per_line.add(line_no, problem)
            enhanced_by_line.append((line_no, enhanced))

    findings = per_line.findings()
    if non_ascii_line is not None:
        findings.append(
            Finding(
                WARNING,
                "non-ascii-text",
                f"line {non_ascii_line} holds non-ASCII characters: RFC 5321 reply text is "
                "US-ASCII, and RFC 6531 allows UTF-8 only in a few SMTPUTF8 replies with a mailbox",
                RFC6531_REPLIES,
            )
        )
    if first_code is None:
        return Validation(text, tuple(findings))

    code_findings = _check_reply_code(first_code)
    if not has_text:
        code_findings.append(
            Finding(
                WARNING,
                "bare-code",
                f"reply {first_code} carries no text: RFC 5321 says servers SHOULD NOT send bare "
                "codes (clients must still accept them)",
                RFC5321_REPLY,
            )
        )
    elif len(lines) > 1 and lines[-1][3:4] == "" and _REPLY_CODE.match(lines[-1]):
        findings.append(
            Finding(
                INFO,
                "code-only-line",
                f"the last line is the bare code {first_code} without a space: RFC 5321 says "
                "servers SHOULD send the space, and clients must accept its absence",
                RFC5321_MULTILINE,
            )
        )
    findings = code_findings + findings
    findings += _check_reply_enhanced(first_code, enhanced_by_line)
    return Validation(text, tuple(dict.fromkeys(findings)))


def _check_reply_enhanced(reply: str, by_line: list[tuple[int, str | None]]) -> list[Finding]:
    """RFC 2034 section 4 across the lines of one reply: one enhanced code, on every line."""
    found = [code for _, code in by_line if code is not None]
    if not found:
        return []
    expected = found[0]
    per_line = _PerLine()
    if not reply.startswith("3"):
        for line_no, code in by_line:
            if code is None:
                per_line.add(
                    line_no,
                    Finding(
                        ERROR,
                        "missing-enhanced-on-line",
                        f"line {line_no} lacks the enhanced code {expected} other lines carry: "
                        "RFC 2034 requires the same status code at the start of every line",
                        RFC2034_CODES,
                    ),
                )
            elif code != expected:
                per_line.add(
                    line_no,
                    Finding(
                        ERROR,
                        "multiline-enhanced-mismatch",
                        f"line {line_no} carries enhanced code {code} but earlier lines carry "
                        f"{expected}: RFC 2034 requires the same status code on every line",
                        RFC2034_CODES,
                    ),
                )
    findings = per_line.findings()
    # Past the first few, other codes are errors already (multiline-enhanced-mismatch), and checking
    # each of thousands of distinct codes would make the findings as long as the input.
    for code in list(dict.fromkeys(found))[:PER_RULE]:
        findings += _check_enhanced(code, reply, bare=False)
    return findings


# --- dispatch ------------------------------------------------------------------------------------

_CODEISH = r"(?=[0-9Xx.]*[0-9])[0-9Xx.]+"
_BARE_CODE = re.compile(rf"{_CODEISH}|[0-9]+(?:[ \t]*-[ \t]*|[ \t]+){_CODEISH}")
# "550 ": a reply line (Reply-code SP ...) whose text is missing. RFC 5321 section 4.2 calls that
# a bare code, "with or without a trailing space", which senders SHOULD NOT send; "550" alone is
# a question about the code.
_CODE_AND_SPACE = re.compile(r"[0-9]{3} [ \t]*")


# A class.subject.detail triple, valid or not, standing alone (not part of an IP address).
_DOTTED = re.compile(r"(?<![\w.])[0-9Xx]\.[0-9]{1,5}\.[0-9]{1,5}(?![\w]|\.[0-9])")


def validate(text: str) -> list[Validation]:
    """Check what a user typed: a whole reply, or each code found in the text.

    A bare code or pair goes to validate_code, text that begins with a three-digit code (and a
    code followed by a space and nothing else, a reply with no text) to validate_reply, and
    anything else is searched for codes; with none, one "no-code" error.
    """
    require_str(text, "validate")
    value = text.strip()
    if not value:
        return [Validation(text, (_no_code(text),))]
    line = text.lstrip().rstrip("\r\n")
    if _CODE_AND_SPACE.fullmatch(line):
        return [validate_reply(line)]  # the same findings as on standard input
    if _BARE_CODE.fullmatch(value):
        return [validate_code(value)]
    if _REPLY_CODE.match(value):
        return [validate_reply(value)]
    most = limits.current().max_items
    tokens = [(t.start, t.end, t.text) for t in find_codes(value, most + 1)]
    # In a list of codes ("5.7.26 6.1.1"), what find_codes passes over because it is no code
    # (class 6) must be reported, not dropped while the rest is called valid. In prose ("see RFC
    # 3463 section 3.3.1", "postfix 3.8.1") such a triple is no code at all.
    dotted = [(m.start(), m.end(), m.group(0)) for m in _DOTTED.finditer(value)]
    extra = [d for d in dotted if not any(s < d[1] and d[0] < e for s, e, _ in tokens)]
    if extra and only_spans(value, ((s, e) for s, e, _ in sorted(tokens + extra))):
        tokens = sorted(tokens + extra)
    if not tokens:
        return [Validation(text, (_no_code(value),))]
    if len(tokens) > most:
        limits.record(
            "max_items", f"more than {most:,} codes; only the first {most:,} were checked"
        )
        tokens = tokens[:most]
    return [validate_code(code) for _, _, code in tokens]


def validate_lines(text: str) -> list[Validation]:
    """Check each non-blank line on its own, as validate() does (for `validate --lines`).

    At most max_items results (smtpcodes.limits); the cut is recorded.
    """
    require_str(text, "validate_lines")
    results: list[Validation] = []
    most = limits.current().max_items
    for number, line in enumerate(_LINE_BREAK.split(text), 1):
        if not line.strip():
            continue
        if len(results) >= most:
            limits.record(
                "max_items",
                f"more than {most:,} results; lines from line {number:,} on were not checked "
                "(--max-items)",
            )
            break
        results += validate(line)
    return results
