"""The labelled corpus and the issue's targets: recall, false warnings, blocks, speed."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from rounds.guard import evaluate
from rounds.guard.corpus import generate


@pytest.fixture(scope="module")
def rows():
    return evaluate.load_corpus()


@pytest.fixture(scope="module")
def metrics(rows):
    return evaluate.evaluate(rows, timing_count=0)


def test_committed_corpus_matches_the_generator(rows):
    """The committed corpus files are exactly what the deterministic generator writes."""
    assert generate.dumps(generate.build()) == generate.CORPUS_PATH.read_text(encoding="utf-8")
    assert generate.dumps(generate.build_holdout()) == generate.HOLDOUT_PATH.read_text(
        encoding="utf-8"
    )


def test_corpus_size_and_composition(rows):
    """At least 600 texts, every group present, every identifier kind well represented."""
    assert len(rows) >= 600
    groups = Counter(row["group"] for row in rows)
    assert groups["benign"] >= 400 and groups["phi"] >= 400
    assert groups["offensive"] >= 60 and groups["oversharing"] >= 60
    kinds = Counter(label["kind"] for row in rows for label in row["labels"])
    for kind in ("ssn", "mrn", "email", "phone", "dob"):
        assert kinds[kind] >= 60, kind
    for kind in (
        "name",
        "address",
        "zip",
        "mbi",
        "health_plan_id",
        "account",
        "licence",
        "device",
        "vehicle",
        "fax",
        "age_over_89",
        "admission_date",
        "discharge_date",
        "death_date",
    ):
        assert kinds[kind] >= 20, kind


def test_labels_point_into_the_texts(rows):
    """Every labelled span lies inside its text; ids are unique."""
    assert len({row["id"] for row in rows}) == len(rows)
    for row in rows:
        for label in row["labels"]:
            if "start" in label:
                assert 0 <= label["start"] < label["end"] <= len(row["text"])
        json.dumps(row)


def test_patient_information_recall(metrics):
    """Post-level recall on patient-information texts is at least 0.97."""
    assert metrics.phi_recall >= evaluate.TARGETS["phi_recall"]


@pytest.mark.parametrize("kind", evaluate.STRICT_KINDS)
def test_strict_kind_recall(metrics, kind):
    """SSN, MRN, e-mail, phone and DOB recall is at least 0.99 each."""
    assert metrics.recall(kind) >= evaluate.TARGETS["strict_kind_recall"], metrics.misses


def test_false_warnings_on_benign_texts(metrics):
    """At most 3 % of benign physician posts get any finding."""
    assert metrics.false_warning_rate <= evaluate.TARGETS["false_warning_rate"], (
        metrics.false_alarms
    )


def test_no_blocks_on_benign_texts(metrics):
    """No benign text is ever blocked."""
    assert metrics.benign_blocked == 0, metrics.false_alarms


def test_offensive_and_oversharing_are_found(metrics):
    """Every offensive and oversharing kind is found in most of its texts."""
    for kind in (
        "profanity",
        "slur",
        "harassment",
        "sexual",
        "shouting",
        "insult",
        "home_address",
        "personal_phone",
        "personal_email",
        "travel",
        "children_school",
    ):
        assert metrics.recall(kind) >= 0.9, kind


def test_speed(rows):
    """p95 CPU time per 3,000-character text stays near the 10 ms target.

    The eval (``make guard-eval``) reports the number against the 10 ms target; this test
    allows a 2x margin so a loaded CI machine cannot make it flaky, and still catches any
    real regression (a catastrophic regex, a per-call load).
    """
    timings = evaluate.time_checks(rows, count=120)
    ordered = sorted(timings)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    assert p95 < 2 * evaluate.TARGETS["p95_ms"], p95
