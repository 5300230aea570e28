"""Evaluate the guard on the labelled corpus (``make guard-eval``).

    python -m rounds.guard.evaluate             # recall, false warnings, blocks, timing
    python -m rounds.guard.evaluate --compare   # Presidio vs our own patterns, per kind
    python -m rounds.guard.evaluate --misses    # list what was missed or wrongly flagged
    python -m rounds.guard.evaluate --holdout   # the held-out corpus (reported, not a gate)

Definitions (post level):

* **recall** for a patient-identifier kind: of the texts that contain that kind, the share in
  which every labelled span of the kind is covered by a patient-information finding; overall
  patient-information recall: the share of patient-information texts with at least one
  patient-information finding. Offensive and oversharing kinds: the share of their texts
  with a finding of that category.
* **block rate**: the share of patient-information texts the guard blocks.
* **false-warning rate**: the share of benign texts with any finding; **blocks on benign**:
  how many benign texts were blocked (target 0).
* **timing**: ``check()`` on 3,000-character texts assembled from the corpus (so most hold
  patient identifiers, profanity and insults: a pessimistic mix), analyzers already loaded,
  measured as the CPU time of the calling thread (one core), best of three runs per text so
  that other processes competing for the machine do not count; p50 and p95 over the texts,
  in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .context import GuardContext
from .engine import OWN_ONLY, PRESIDIO, PRESIDIO_AND_OWN, analyze, warm_up
from .report import GuardReport

CORPUS = Path(__file__).resolve().parent / "corpus" / "corpus.jsonl"
#: Written after the recognizers and never used to change them: an honest estimate.
HOLDOUT = Path(__file__).resolve().parent / "corpus" / "holdout.jsonl"

#: The issue's targets.
TARGETS = {
    "phi_recall": 0.97,
    "strict_kind_recall": 0.99,
    "false_warning_rate": 0.03,
    "benign_blocks": 0,
    "p95_ms": 10.0,
}
STRICT_KINDS = ("ssn", "mrn", "email", "phone", "dob")


def load_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def context_of(row: dict[str, Any]) -> GuardContext:
    ctx = row.get("context", {})
    return GuardContext.build(
        ctx.get("kind", "post"),
        author_name=ctx.get("author_name"),
        author_npi=ctx.get("author_npi"),
        author_phones=ctx.get("author_phones"),
        author_emails=ctx.get("author_emails"),
        colleague_names=ctx.get("colleague_names"),
    )


@dataclass
class Metrics:
    """Everything ``make guard-eval`` prints; the test suite asserts the targets on it."""

    texts: int = 0
    phi_texts: int = 0
    phi_detected: int = 0
    phi_blocked: int = 0
    benign_texts: int = 0
    benign_flagged: int = 0
    benign_blocked: int = 0
    kind_total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    kind_hit: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)
    timings_ms: list[float] = field(default_factory=list)

    @property
    def phi_recall(self) -> float:
        return self.phi_detected / self.phi_texts if self.phi_texts else 1.0

    @property
    def false_warning_rate(self) -> float:
        return self.benign_flagged / self.benign_texts if self.benign_texts else 0.0

    def recall(self, kind: str) -> float:
        total = self.kind_total.get(kind, 0)
        return self.kind_hit.get(kind, 0) / total if total else 1.0

    def percentile(self, q: float) -> float:
        if not self.timings_ms:
            return 0.0
        ordered = sorted(self.timings_ms)
        index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
        return ordered[index]


def _covered(report: GuardReport, start: int, end: int) -> bool:
    return any(
        f.category == "patient_information" and f.start < end and start < f.end
        for f in report.findings
    )


def score(
    rows: Iterable[dict[str, Any]], sources: dict[str, frozenset[str]] | None = None
) -> Metrics:
    """Run the guard over ``rows`` and count hits, misses and false alarms."""
    metrics = Metrics()
    for row in rows:
        metrics.texts += 1
        report = analyze(row["text"], context_of(row), sources=sources)
        group = row["group"]
        flagged = sorted({f.rule for f in report.findings})
        if group == "benign":
            metrics.benign_texts += 1
            if report.findings:
                metrics.benign_flagged += 1
                metrics.false_alarms.append(f"{row['id']}: {flagged} in {row['text']!r}")
            if report.blocked:
                metrics.benign_blocked += 1
            continue
        if group == "phi":
            metrics.phi_texts += 1
            if report.by_category("patient_information"):
                metrics.phi_detected += 1
            if report.blocked:
                metrics.phi_blocked += 1
            by_kind: dict[str, list[tuple[int, int]]] = defaultdict(list)
            for label in row["labels"]:
                by_kind[label["kind"]].append((label["start"], label["end"]))
            for kind, spans in by_kind.items():
                metrics.kind_total[kind] += 1
                if all(_covered(report, s, e) for s, e in spans):
                    metrics.kind_hit[kind] += 1
                else:
                    values = [row["text"][s:e] for s, e in spans]
                    metrics.misses.append(f"{row['id']} [{kind}] {values} in {row['text']!r}")
            continue
        for label in row["labels"]:
            kind = label["kind"]
            metrics.kind_total[kind] += 1
            if report.by_category(label["category"]):
                metrics.kind_hit[kind] += 1
            else:
                metrics.misses.append(f"{row['id']} [{kind}] {row['text']!r} got {flagged}")
    return metrics


def timing_texts(rows: list[dict[str, Any]], count: int = 300, length: int = 3000) -> list[str]:
    """``count`` texts of ``length`` characters, each stitched from random corpus texts."""
    rng = random.Random(3000)
    texts = []
    for _ in range(count):
        parts: list[str] = []
        size = 0
        while size < length:
            text = rng.choice(rows)["text"]
            parts.append(text)
            size += len(text) + 2
        texts.append("\n\n".join(parts)[:length])
    return texts


def time_checks(
    rows: list[dict[str, Any]],
    sources: dict[str, frozenset[str]] | None = None,
    count: int = 300,
    repeat: int = 3,
) -> list[float]:
    """CPU milliseconds of ``check()`` per text: the best of ``repeat`` runs of each text (as
    ``timeit`` does), so a busy machine measures the code, not the neighbours."""
    texts = timing_texts(rows, count)
    context = GuardContext()
    for text in texts[:5]:
        analyze(text, context, sources=sources)
    timings = []
    for text in texts:
        best = float("inf")
        for _ in range(repeat):
            started = time.thread_time()
            analyze(text, context, sources=sources)
            best = min(best, time.thread_time() - started)
        timings.append(best * 1000)
    return timings


def evaluate(
    rows: list[dict[str, Any]] | None = None,
    sources: dict[str, frozenset[str]] | None = None,
    timing_count: int = 300,
) -> Metrics:
    rows = rows if rows is not None else load_corpus()
    metrics = score(rows, sources)
    if timing_count:
        metrics.timings_ms = time_checks(rows, sources, timing_count)
    return metrics


def _kinds_in_order(metrics: Metrics) -> list[str]:
    phi = [
        "ssn",
        "mrn",
        "email",
        "phone",
        "dob",
        "name",
        "admission_date",
        "discharge_date",
        "death_date",
        "age_over_89",
        "mbi",
        "health_plan_id",
        "fax",
        "address",
        "zip",
        "account",
        "licence",
        "device",
        "vehicle",
    ]
    rest = sorted(k for k in metrics.kind_total if k not in phi)
    return [k for k in phi if k in metrics.kind_total] + rest


def report_lines(metrics: Metrics) -> list[str]:
    lines = [f"corpus: {metrics.texts} texts", "", "recall per kind (post level):"]
    for kind in _kinds_in_order(metrics):
        target = ""
        if kind in STRICT_KINDS:
            target = f"  (target ≥ {TARGETS['strict_kind_recall']:.2f})"
        lines.append(
            f"  {kind:<18} {metrics.recall(kind):6.3f}  "
            f"{metrics.kind_hit.get(kind, 0):4d}/{metrics.kind_total[kind]:<4d}{target}"
        )
    offensive = [k for k in metrics.kind_total if k in _OFFENSIVE_KINDS]
    oversharing = [k for k in metrics.kind_total if k in _OVERSHARING_KINDS]
    lines += [
        "",
        f"patient information: recall {metrics.phi_recall:.3f} "
        f"({metrics.phi_detected}/{metrics.phi_texts}; target ≥ {TARGETS['phi_recall']:.2f}), "
        f"blocked {metrics.phi_blocked / max(1, metrics.phi_texts):.3f}",
        f"offensive: recall {_group_recall(metrics, offensive):.3f}",
        f"oversharing: recall {_group_recall(metrics, oversharing):.3f}",
        f"benign: false warnings {metrics.false_warning_rate:.3f} "
        f"({metrics.benign_flagged}/{metrics.benign_texts}; target ≤ "
        f"{TARGETS['false_warning_rate']:.2f}), blocks {metrics.benign_blocked} (target 0)",
    ]
    if metrics.timings_ms:
        lines.append(
            f"CPU time per 3,000-char text: p50 {metrics.percentile(0.5):.2f} ms, "
            f"p95 {metrics.percentile(0.95):.2f} ms, max {max(metrics.timings_ms):.2f} ms "
            f"(n={len(metrics.timings_ms)}; target p95 < {TARGETS['p95_ms']:.0f} ms)"
        )
    return lines


_OFFENSIVE_KINDS = frozenset({"profanity", "slur", "harassment", "sexual", "shouting", "insult"})
_OVERSHARING_KINDS = frozenset(
    {"home_address", "personal_phone", "personal_email", "travel", "children_school"}
)


def _group_recall(metrics: Metrics, kinds: list[str]) -> float:
    total = sum(metrics.kind_total[k] for k in kinds)
    return sum(metrics.kind_hit.get(k, 0) for k in kinds) / total if total else 1.0


def failures(metrics: Metrics) -> list[str]:
    """The targets ``metrics`` misses (empty when all are met)."""
    failed = []
    if metrics.phi_recall < TARGETS["phi_recall"]:
        failed.append(f"patient-information recall {metrics.phi_recall:.3f}")
    for kind in STRICT_KINDS:
        if metrics.recall(kind) < TARGETS["strict_kind_recall"]:
            failed.append(f"{kind} recall {metrics.recall(kind):.3f}")
    if metrics.false_warning_rate > TARGETS["false_warning_rate"]:
        failed.append(f"false-warning rate {metrics.false_warning_rate:.3f}")
    if metrics.benign_blocked > TARGETS["benign_blocks"]:
        failed.append(f"{metrics.benign_blocked} benign texts blocked")
    if metrics.timings_ms and metrics.percentile(0.95) >= TARGETS["p95_ms"]:
        failed.append(f"p95 {metrics.percentile(0.95):.2f} ms")
    return failed


def compare(rows: list[dict[str, Any]]) -> list[str]:
    """Presidio vs our own patterns for SSN, e-mail, phone and MBI candidates."""
    configurations: list[tuple[str, dict[str, frozenset[str]]]] = [
        ("own patterns (default)", OWN_ONLY),
        ("Presidio for all four", PRESIDIO),
        ("Presidio + own for all four", PRESIDIO_AND_OWN),
    ]
    for kind in OWN_ONLY:
        configurations.append(
            (f"Presidio for {kind} only", {**OWN_ONLY, kind: frozenset({"presidio"})})
        )
    lines = [
        "SSN, e-mail, phone and MBI candidates from our patterns and/or Presidio "
        "(recall; FW% = false warnings on benign texts; CPU ms per 3,000 chars):",
        f"{'configuration':<38} {'ssn':>6} {'email':>6} {'phone':>6} {'mbi':>6} {'fax':>6} "
        f"{'phi':>6} {'FW%':>6} {'p50':>6} {'p95':>6}",
    ]
    for name, sources in configurations:
        metrics = evaluate(rows, sources, timing_count=200)
        lines.append(
            f"{name:<38} {metrics.recall('ssn'):6.3f} {metrics.recall('email'):6.3f} "
            f"{metrics.recall('phone'):6.3f} {metrics.recall('mbi'):6.3f} "
            f"{metrics.recall('fax'):6.3f} {metrics.phi_recall:6.3f} "
            f"{100 * metrics.false_warning_rate:6.2f} {metrics.percentile(0.5):6.2f} "
            f"{metrics.percentile(0.95):6.2f}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate the professionalism guard.")
    parser.add_argument("--compare", action="store_true", help="Presidio vs own patterns")
    parser.add_argument("--misses", action="store_true", help="list misses and false alarms")
    parser.add_argument("--timing", type=int, default=300, help="timed texts (0: skip)")
    parser.add_argument("--holdout", action="store_true", help="evaluate the held-out corpus")
    args = parser.parse_args(argv)
    rows = load_corpus(HOLDOUT if args.holdout else CORPUS)
    started = time.perf_counter()
    warm_up()
    print(f"analyzers loaded in {time.perf_counter() - started:.2f} s (once per process)")
    if args.compare:
        print("\n".join(compare(rows)))
        return 0
    metrics = evaluate(rows, timing_count=args.timing)
    print("\n".join(report_lines(metrics)))
    if args.misses:
        print("\nmissed:")
        print("\n".join(f"  {m}" for m in metrics.misses) or "  none")
        print("\nflagged benign texts:")
        print("\n".join(f"  {m}" for m in metrics.false_alarms) or "  none")
    failed = failures(metrics)
    if args.holdout:
        print("\n(held-out corpus: reported for honesty, not a gate)")
        return 0
    if failed:
        print("\nTARGETS NOT MET: " + "; ".join(failed))
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
