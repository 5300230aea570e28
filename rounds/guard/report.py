"""What the guard answers: findings (where, what, why, what to do) and an overall verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Category = Literal["patient_information", "offensive", "oversharing"]
Severity = Literal["block", "warn"]
Verdict = Literal["ok", "warn", "block"]

CATEGORIES: tuple[Category, ...] = ("patient_information", "offensive", "oversharing")


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the author should look at before publishing.

    ``start``/``end`` are offsets into the checked text (``text[start:end] == matched``).
    ``rule`` names the recognizer (``"phi.ssn"``, ``"offensive.profanity"``, …): stable, for
    counting and tests. ``explanation`` says why it matters; ``suggestion`` what to do instead.
    """

    category: Category
    rule: str
    start: int
    end: int
    matched: str
    severity: Severity
    explanation: str
    suggestion: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "rule": self.rule,
            "start": self.start,
            "end": self.end,
            "matched": self.matched,
            "severity": self.severity,
            "explanation": self.explanation,
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True, slots=True)
class GuardReport:
    """All findings for one text, in text order, and the verdict they add up to.

    ``block``: at least one high-confidence patient identifier; the author must edit.
    ``warn``: findings the author may override. ``ok``: nothing found.
    """

    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def verdict(self) -> Verdict:
        if any(f.severity == "block" for f in self.findings):
            return "block"
        if self.findings:
            return "warn"
        return "ok"

    @property
    def blocked(self) -> bool:
        """True when publishing must wait until the text is edited."""
        return self.verdict == "block"

    @property
    def ok(self) -> bool:
        return not self.findings

    def by_category(self, category: Category) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.category == category)

    @property
    def categories(self) -> frozenset[Category]:
        return frozenset(f.category for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape the API returns (``verdict``, ``blocked``, ``findings``, ``counts``)."""
        counts = {category: 0 for category in CATEGORIES}
        for finding in self.findings:
            counts[finding.category] += 1
        return {
            "verdict": self.verdict,
            "blocked": self.blocked,
            "findings": [f.to_dict() for f in self.findings],
            "counts": counts,
        }
