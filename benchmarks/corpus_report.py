"""Diagnosis against real bounces: agreement with the reference labels of ../shared/corpus/set-of-emails.

Run: python benchmarks/corpus_report.py [--corpus PATH] [--all] [--runs N]

Prints enhanced-code, reply-code, category (through the Sisimai mapping) and hard/soft agreement, then
the cases where we keep our answer against the label on the merits (MERITS), then every other
disagreement. The labels are Sisimai 5.1.0's opinion, not ground truth. The targets count raw
agreement; the merit-adjusted figures count a MERITS case as agreement, and are printed beside them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from smtpcodes import kb
from smtpcodes.bounce import iter_messages
from smtpcodes.diagnose import Verdict, diagnose_replies

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "set-of-emails"

TARGETS = {"enhanced": 0.97, "category": 0.90, "bounce": 0.95}


def _decided_by(*rule_ids: str) -> Callable[[Verdict], bool]:
    wanted = frozenset(rule_ids)
    return lambda v: any(e.rule in wanted for e in v.evidence)


def _context(name: str) -> Callable[[Verdict], bool]:
    return lambda v: any(e.rule == f"context:{name}" for e in v.evidence)


def _delay_notice(v: Verdict) -> bool:
    if (v.reply.dsn_action or "").lower() == "delayed":
        return True
    return any(m.rule.stage == "delayed" for m in kb.match_rules(v.reply.text or ""))


def _says_unknown(v: Verdict) -> bool:
    """The server's own X.1.x status or a provider's documented wording says so."""
    code = v.enhanced_code or ""
    if code.split(".")[1:2] == ["1"] and code.split(".")[2:] not in (["7"], ["8"]):
        return True
    rules = {r.id: r for r in kb.rules()}
    return any(e.rule in rules and rules[e.rule].priority >= 1 for e in v.evidence)


@dataclass(frozen=True)
class Merit:
    """A kind of case where we keep our answer against Sisimai's label, and why."""

    name: str
    expected: frozenset[str]  # Sisimai reasons
    got: frozenset[str]  # our categories ("none" for no verdict)
    when: Callable[[Verdict], bool]
    reason: str

    def covers(self, reason: str, verdict: Verdict | None) -> bool:
        ours = verdict.category if verdict is not None else "none"
        if reason not in self.expected or ours not in self.got:
            return False
        return verdict is None or self.when(verdict)


def _m(name: str, expected: str, got: str, when: Callable[[Verdict], bool], reason: str) -> Merit:
    return Merit(name, frozenset(expected.split()), frozenset(got.split()), when, reason)


MERITS: tuple[Merit, ...] = (
    _m(
        "yahoo-5.7.9-authentication",
        "policyviolation",
        "authentication",
        _decided_by("yahoo-policy-reasons-5-7-9"),
        "Yahoo's error-code page documents 554 5.7.9 'not accepted for policy reasons' as a "
        "failure of the sending domain's DMARC/DKIM policy: an authentication problem to fix in DNS",
    ),
    _m(
        "gmail-nxdomain-domain-unknown",
        "networkerror",
        "domain-unknown",
        _decided_by("gmail-dns-nxdomain"),
        "an MX lookup answered NXDOMAIN: the recipient's domain does not exist, which no retry "
        "fixes (hard), not a passing network error",
    ),
    _m(
        "delay-notice-is-not-expired",
        "expired",
        "network undetermined system-error protocol domain-unknown domain-rejects-mail",
        _delay_notice,
        "a delay notice (Action: delayed, 'will be retried'): nothing has expired yet; the verdict "
        "names the cause and says retry",
    ),
    _m(
        "gateway-user-not-registered",
        "rejected",
        "user-unknown",
        _decided_by("generic-not-registered-gateway-user"),
        "the gateway quotes the recipient's address (the Final-Recipient) as not one of its users, "
        "as in RFC 3464 Appendix E whose report sums it up as 'User unknown'; Sisimai files the "
        "wording as a sender rejection",
    ),
    _m(
        "ezweb-unknown-address",
        "suspend",
        "user-unknown",
        lambda v: (
            v.reply.smtp_command == "RCPT TO"
            or any(e.rule == "kddi-user-unknown-with-address" for e in v.evidence)
        ),
        "au's reply quotes the address as unknown ('<address>: User unknown', or a refusal at RCPT "
        "TO) and EZweb's notice says in Japanese that the address was not found; Sisimai reads the "
        "notice's English line 'The user(s) account is disabled' as a suspended account",
    ),
    _m(
        "documented-unknown-user",
        "filtered rejected",
        "user-unknown",
        _says_unknown,
        "the server's own X.1.x status or the provider's documented wording says the mailbox does "
        "not exist; Sisimai files 'user unknown' as filtered when it saw no RCPT TO phase",
    ),
    _m(
        "unknown-user-not-corroborated",
        "userunknown",
        "recipient-filtered",
        _context("uncorroborated"),
        "a generic 'user unknown' with no X.1.x status, no RCPT TO phase and no provider wording "
        "is also what recipient-side filters answer, so the address is not condemned (soft); "
        "Sisimai's generic classifier (Reason::Filtered) decides the same unless the command was "
        "before DATA, and labels 24 such rows filtered here; these labels come from MTA modules "
        "(McAfee, IMailServer, Verizon, MessageLabs) that read the wording alone",
    ),
    _m(
        "gave-up-after-retries",
        "networkerror blocked",
        "expired",
        _context("gave-up"),
        "the report says the sending server stopped retrying (queue time ran out, 'not going to try "
        "again'); the network error is only the last of its attempts",
    ),
    _m(
        "dns-failure-is-network",
        "notaccept",
        "network",
        _decided_by("postfix-malformed-dns-reply"),
        "a malformed name-server reply is a DNS failure on the way, not a domain that refuses mail",
    ),
    _m(
        "yahoo-tss04-reputation",
        "rejected",
        "reputation",
        _decided_by("yahoo-tss04"),
        "Yahoo documents [TSS04] as a temporary deferral for unexpected volume or user complaints "
        "(reputation); Sisimai files any refusal at MAIL FROM as rejected",
    ),
    _m(
        "sender-domain-blocklisted",
        "userunknown",
        "blocklisted",
        _decided_by("generic-domain-listed-spamhaus"),
        "the sender's domain is on a Spamhaus list; the 5.1.0 there is about the sender address, "
        "not the recipient",
    ),
    _m(
        "ses-identity-not-verified",
        "norelaying",
        "sender-rejected",
        _decided_by("ses-identity-not-verified"),
        "Amazon SES refuses a sending identity that is not verified: the sender is refused, no "
        "relaying is involved",
    ),
    _m(
        "refusal-at-mail-from",
        "systemerror",
        "sender-rejected",
        _context("mail-from"),
        "a refusal in reply to MAIL FROM is about the sender (RFC 5321 section 3.3)",
    ),
    _m(
        "tls-not-supported",
        "systemerror",
        "tls-required",
        _decided_by("generic-does-not-support-tls"),
        "the reply says the other side does not support TLS: a TLS problem to fix",
    ),
    _m(
        "named-cause-at-connection",
        "blocked",
        "reverse-dns rate-limited protocol",
        lambda v: any(
            e.rule in ("generic-ptr-required", "generic-rate-limit") or e.rule == "context:greeting"
            for e in v.evidence
        ),
        "the reply names its cause (a missing PTR record, a relay quota, a refused HELO name); "
        "Sisimai files any refusal at connection or EHLO as blocked",
    ),
    _m(
        "size-limits-on-lines-and-headers",
        "mesgtoobig contenterror",
        "content-rejected message-too-large",
        _decided_by("generic-line-too-long", "generic-message-too-large"),
        "a line longer than RFC 5322's 998 characters is a format error; 'headers too large' is a "
        "size limit on the headers",
    ),
    _m(
        "header-error-is-content",
        "policyviolation filtered",
        "content-rejected",
        _decided_by("generic-malformed-content"),
        "'Header error' says the message's headers were refused: a format problem to fix",
    ),
    _m(
        "protocol-violation",
        "policyviolation",
        "protocol",
        _decided_by("generic-protocol-error"),
        "'Protocol violation' names an SMTP protocol error",
    ),
    _m(
        "provider-meaning",
        "securityerror virusdetected undefined userunknown rejected",
        "authentication spam-content reputation mailbox-disabled user-unknown",
        _decided_by(
            "outlook-required-authentication-level",
            "mimecast-security-policies",
            "zoho-flagged-spam",
            "orange-service-refused-reputation",
            "icloud-inactive-address",
            "microsoft-dbeb-all-recipients-rejected",
        ),
        "the provider documents this wording or code with this meaning (see the rule's source)",
    ),
    _m(
        "dsn-says-user-unknown",
        "mailboxfull",
        "user-unknown",
        lambda v: v.enhanced_code == "5.1.1",
        "the DSN's Status and Diagnostic-Code say 5.1.1 User Unknown; only a test notice above them "
        "talks about disk space",
    ),
    _m(
        "no-cause-given",
        "userunknown",
        "undetermined",
        lambda v: all(e.rule == "message:bounce" for e in v.evidence),
        "the notice names no cause ('Unable to deliver message to <...> (and other recipients in "
        "the same domain)'); Sisimai's TrendMicro module assumes an unknown user",
    ),
    _m(
        "loop-alert-is-a-loop",
        "systemerror",
        "network",
        _decided_by("fml-duplicated-message-id"),
        "fml's 'Loop Alert: Duplicated Message-ID': the list refused a post it had seen before, "
        "a mail loop (RFC 3463 X.4.6, routing loop detected, a network and routing status)",
    ),
    _m(
        "temporary-no-mx",
        "notaccept",
        "domain-rejects-mail",
        lambda v: v.bounce == "soft" and _delay_notice(v),
        "a delay notice (Action: delayed, 4.0.0, 'only a temporary failure report'): OpenSMTPD "
        "files 'No MX found for domain' as a temporary failure, and the issue makes "
        "domain-rejects-mail hard only with a 5xx",
    ),
    _m(
        "unknown-user-after-data",
        "rejected",
        "recipient-filtered",
        _context("after-data"),
        "'Unknown user' in reply to DATA, after the server had accepted the address at RCPT TO: "
        "the recipient's filter refused the message; Sisimai labels this same docomo reply "
        "filtered under Status 5.2.0 (rhost-nttdocomo-01) and rejected under 5.0.0",
    ),
    _m(
        "not-a-bounce",
        "mailboxfull",
        "none",
        lambda v: True,
        "a negative control (maildir/not): the corpus README lists this label as Sisimai's false "
        "positive",
    ),
)


def merit_for(reason: str, verdict: Verdict | None) -> Merit | None:
    return next((m for m in MERITS if m.covers(reason, verdict)), None)


@dataclass
class Row:
    sample: str
    recipient: str
    label: dict[str, object]
    verdict: Verdict | None


@dataclass
class Report:
    messages: int = 0
    seconds: float = 0.0
    rows: list[Row] = field(default_factory=list)
    enhanced: tuple[int, int] = (0, 0)
    reply: tuple[int, int] = (0, 0)
    category: tuple[int, int] = (0, 0)
    bounce: tuple[int, int] = (0, 0)
    # Merit-adjusted: a MERITS case counts as agreement (category, and the hard/soft it implies).
    category_merits: tuple[int, int] = (0, 0)
    bounce_merits: tuple[int, int] = (0, 0)
    disagreements: list[str] = field(default_factory=list)
    merits: list[str] = field(default_factory=list)

    @staticmethod
    def ratio(pair: tuple[int, int]) -> float:
        return pair[0] / pair[1] if pair[1] else 1.0


def _norm_addr(addr: str | None) -> str:
    return (addr or "").strip().strip("<>").replace('"', "").lower()


def _samples(corpus: Path) -> Iterator[tuple[str, list[Verdict]]]:
    """(sample name as labels.jsonl writes it, verdicts) for every message in the corpus."""
    for sub in ("maildir/bsd", "maildir/dos", "maildir/err", "maildir/not"):
        folder = corpus / sub
        for path in sorted(folder.glob("*.eml")):
            for _, replies in iter_messages(str(path)):
                yield f"{sub}/{path.name}", list(diagnose_replies(replies))
    for path in sorted((corpus / "mailbox").glob("mbox-*")):
        for location, replies in iter_messages(str(path)):
            index = location.rsplit("#", 1)[-1]
            yield f"mailbox/{path.name}#{index}", list(diagnose_replies(replies))


def _labels(corpus: Path) -> dict[str, list[dict[str, object]]]:
    labels: dict[str, list[dict[str, object]]] = {}
    with open(corpus / "labels.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            labels.setdefault(str(row["sample"]), []).append(row)
    return labels


def evaluate(corpus: Path = DEFAULT_CORPUS, runs: int = 1) -> Report:
    """Diagnose the corpus and compare with its labels; the time is the best of `runs` passes."""
    labels = _labels(corpus)
    report = Report()
    by_sample: dict[str, list[Verdict]] = {}
    best = float("inf")
    for _ in range(max(1, runs)):
        start = time.perf_counter()
        found = list(_samples(corpus))
        best = min(best, time.perf_counter() - start)
        by_sample = dict(found)
        report.messages = len(found)
    report.seconds = best

    raw_cache: dict[str, str] = {}
    enh = [0, 0]
    rep = [0, 0]
    cat = [0, 0, 0]  # raw agreements, merit agreements, rows
    hard = [0, 0, 0]
    for sample, rows in sorted(labels.items()):
        verdicts = by_sample.get(sample, [])
        for label in rows:
            recipient = _norm_addr(str(label["recipient"]))
            verdict = next(
                (v for v in verdicts if _norm_addr(v.reply.recipient) == recipient),
                verdicts[0] if len(verdicts) == 1 else None,
            )
            report.rows.append(Row(sample, recipient, label, verdict))
            where = f"{sample}\t{recipient}"
            status = str(label.get("status") or "")
            if status and not label.get("status_pseudo"):
                raw = raw_cache.get(sample)
                if raw is None:
                    raw = raw_cache[sample] = _raw(corpus, sample)
                if status in raw:
                    enh[1] += 1
                    got = verdict.enhanced_code if verdict else None
                    if got == status or (verdict and verdict.reply.dsn_status == status):
                        enh[0] += 1
                    else:
                        report.disagreements.append(
                            f"{where}\tenhanced\texpected {status}\tgot {got}"
                        )
            replycode = str(label.get("replycode") or "")
            if replycode:
                rep[1] += 1
                got_reply = verdict.reply_code if verdict else None
                if got_reply == replycode:
                    rep[0] += 1
                else:
                    report.disagreements.append(
                        f"{where}\treply\texpected {replycode}\tgot {got_reply}"
                    )
            reason = str(label.get("reason") or "")
            ours = verdict.category if verdict else None
            category = kb.categories().get(ours or "")
            names = category.sisimai if category is not None else ()
            merit = None
            cat[2] += 1
            cat_agrees = reason in names or (
                reason in ("undefined", "onhold") and ours == "undetermined"
            )
            if cat_agrees:
                cat[0] += 1
            else:
                merit = merit_for(reason, verdict)
                if merit is not None:
                    cat[1] += 1
                    report.merits.append(f"{where}\t{merit.name}\texpected {reason}\tgot {ours}")
                else:
                    report.disagreements.append(f"{where}\tcategory\texpected {reason}\tgot {ours}")
            hard[2] += 1
            ours_hard = bool(verdict and verdict.bounce == "hard")
            if ours_hard == bool(label.get("hardbounce")):
                hard[0] += 1
            elif merit is not None or (
                cat_agrees and (merit := merit_for(reason, verdict)) is not None
            ):
                if cat_agrees:
                    report.merits.append(f"{where}\t{merit.name}\texpected {reason}\tgot {ours}")
                hard[1] += 1
            else:
                report.disagreements.append(
                    f"{where}\thard/soft\texpected {'hard' if label.get('hardbounce') else 'soft'}"
                    f"\tgot {verdict.bounce if verdict else None} ({ours})"
                )
    report.enhanced = (enh[0], enh[1])
    report.reply = (rep[0], rep[1])
    report.category = (cat[0], cat[2])
    report.bounce = (hard[0], hard[2])
    report.category_merits = (cat[0] + cat[1], cat[2])
    report.bounce_merits = (hard[0] + hard[1], hard[2])
    return report


def _raw(corpus: Path, sample: str) -> str:
    path, _, index = sample.partition("#")
    data = (corpus / path).read_bytes().decode("utf-8", errors="replace")
    if not index:
        return data
    # mbox: the n-th message, split on "From " lines
    parts = [p for p in ("\n" + data).split("\nFrom ") if p.strip()]
    n = int(index)
    return parts[n - 1] if 0 < n <= len(parts) else data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--all", action="store_true", help="print every disagreement")
    parser.add_argument("--runs", type=int, default=3, help="passes to time (best is shown)")
    args = parser.parse_args()
    if not (args.corpus / "labels.jsonl").is_file():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    r = evaluate(args.corpus, runs=args.runs)
    rate = r.messages / r.seconds if r.seconds else 0.0
    print(
        f"messages: {r.messages} in {r.seconds:.2f} s ({rate:.0f} msg/s, parse + diagnosis, "
        f"best of {args.runs})"
    )
    print(f"label rows: {len(r.rows)}")
    ok = True
    for name, pair, adjusted, target in (
        ("enhanced code (real codes that appear in the message)", r.enhanced, None, "enhanced"),
        ("reply code (rows with a reply code)", r.reply, None, None),
        ("category (through the Sisimai mapping)", r.category, r.category_merits, "category"),
        ("hard/soft", r.bounce, r.bounce_merits, "bounce"),
    ):
        ratio = Report.ratio(pair)
        line = f"{name}: {pair[0]}/{pair[1]} = {ratio:.1%}"
        if target is not None:
            goal = TARGETS[target]
            line += f"  target {goal:.0%} {'met' if ratio >= goal else 'MISSED'}"
            ok = ok and ratio >= goal
        if adjusted is not None:
            line += f"  (merit-adjusted {adjusted[0]}/{adjusted[1]} = {Report.ratio(adjusted):.1%})"
        print(line)
    print(f"kept on the merits: {len(r.merits)} rows")
    for merit in MERITS:
        rows = [m for m in r.merits if f"\t{merit.name}\t" in m]
        if rows:
            print(f"  {merit.name} ({len(rows)}): {merit.reason}")
            for row in rows if args.all else rows[:3]:
                print("    " + row)
    print(f"disagreements: {len(r.disagreements)}")
    shown = r.disagreements if args.all else r.disagreements[:60]
    for line in shown:
        print("  " + line)
    if len(shown) < len(r.disagreements):
        print(f"  ... {len(r.disagreements) - len(shown)} more (--all)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
