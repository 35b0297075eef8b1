"""Diagnosis against real bounces: agreement with the reference labels of ../shared/corpus/set-of-emails.

Run: python benchmarks/corpus_report.py [--corpus PATH] [--all]

Prints enhanced-code, reply-code, category (through the Sisimai mapping) and hard/soft agreement, then
every disagreement. The labels are Sisimai 5.1.0's opinion, not ground truth: where we disagree on the
merits, the case is listed in MERITS below with the reason, and counted as a disagreement all the same.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from smtpcodes import kb
from smtpcodes.bounce import iter_messages
from smtpcodes.diagnose import Verdict, diagnose_replies

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "set-of-emails"

# Cases where we keep our answer against the label, and why (sample, recipient) -> reason.
MERITS: dict[tuple[str, str], str] = {}

TARGETS = {"enhanced": 0.97, "category": 0.90, "bounce": 0.95}


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
    disagreements: list[str] = field(default_factory=list)

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


def evaluate(corpus: Path = DEFAULT_CORPUS) -> Report:
    labels: dict[str, list[dict[str, object]]] = {}
    with open(corpus / "labels.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            labels.setdefault(str(row["sample"]), []).append(row)
    raw_cache: dict[str, str] = {}
    report = Report()
    start = time.perf_counter()
    by_sample: dict[str, list[Verdict]] = {}
    for sample, verdicts in _samples(corpus):
        report.messages += 1
        by_sample[sample] = verdicts
    report.seconds = time.perf_counter() - start

    enh = [0, 0]
    rep = [0, 0]
    cat = [0, 0]
    hard = [0, 0]
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
            cat[1] += 1
            ours = verdict.category if verdict else None
            names = (
                kb.categories()[ours].sisimai
                if ours is not None and ours in kb.categories()
                else ()
            )
            if reason in names or (reason in ("undefined", "onhold") and ours == "undetermined"):
                cat[0] += 1
            else:
                why = MERITS.get((sample, recipient), "")
                report.disagreements.append(
                    f"{where}\tcategory\texpected {reason}\tgot {ours}"
                    + (f"\t{why}" if why else "")
                )
            hard[1] += 1
            ours_hard = bool(verdict and verdict.bounce == "hard")
            if ours_hard == bool(label.get("hardbounce")):
                hard[0] += 1
            else:
                report.disagreements.append(
                    f"{where}\thard/soft\texpected {'hard' if label.get('hardbounce') else 'soft'}"
                    f"\tgot {verdict.bounce if verdict else None} ({ours})"
                )
    report.enhanced = (enh[0], enh[1])
    report.reply = (rep[0], rep[1])
    report.category = (cat[0], cat[1])
    report.bounce = (hard[0], hard[1])
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
    args = parser.parse_args()
    if not (args.corpus / "labels.jsonl").is_file():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    r = evaluate(args.corpus)
    rate = r.messages / r.seconds if r.seconds else 0.0
    print(f"messages: {r.messages} in {r.seconds:.2f} s ({rate:.0f} msg/s, parse + diagnosis)")
    print(f"label rows: {len(r.rows)}")
    ok = True
    for name, pair, target in (
        ("enhanced code (real codes that appear in the message)", r.enhanced, TARGETS["enhanced"]),
        ("reply code (rows with a reply code)", r.reply, None),
        ("category (through the Sisimai mapping)", r.category, TARGETS["category"]),
        ("hard/soft", r.bounce, TARGETS["bounce"]),
    ):
        ratio = Report.ratio(pair)
        mark = ""
        if target is not None:
            mark = f"  target {target:.0%} {'met' if ratio >= target else 'MISSED'}"
            ok = ok and ratio >= target
        print(f"{name}: {pair[0]}/{pair[1]} = {ratio:.1%}{mark}")
    print(f"disagreements: {len(r.disagreements)}")
    shown = r.disagreements if args.all else r.disagreements[:60]
    for line in shown:
        print("  " + line)
    if len(shown) < len(r.disagreements):
        print(f"  ... {len(r.disagreements) - len(shown)} more (--all)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
