"""Presidio's analyzer, offline: no model download, no network, the bundled suffix list."""

from __future__ import annotations

import socket

import pytest

from rounds.guard import GuardContext, check, presidio_backend
from rounds.guard.engine import PRESIDIO, analyze


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to resolve a name or open a connection fails the test."""

    def refuse(*args, **kwargs):
        raise NetworkUsed(f"network access attempted: {args[:2]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_analyzer_builds_and_runs_without_network(no_network, monkeypatch):
    """Building Presidio's analyzer and analysing e-mail (tldextract) never touches the network."""
    monkeypatch.setattr(presidio_backend, "_analyzer", None)
    found = presidio_backend.analyze(
        "Write to jane.roe@clinic.co.uk or j@hospital.health; SSN 344-10-8086; "
        "MBI 1EG4-TE5-MK73; call 617-555-0142."
    )
    kinds = {c.kind for c in found}
    assert kinds == {"email", "ssn", "mbi", "phone"}
    emails = [c for c in found if c.kind == "email"]
    assert len(emails) == 2


def test_analyzer_uses_the_no_op_nlp_engine():
    """The analyzer runs with Presidio's NoOpNlpEngine: no spaCy model is loaded."""
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    analyzer = presidio_backend.analyzer()
    assert isinstance(analyzer.nlp_engine, NoOpNlpEngine)
    names = sorted(type(r).__name__ for r in analyzer.registry.recognizers)
    assert names == [
        "OfflineEmailRecognizer",
        "PhoneRecognizer",
        "UsMbiRecognizer",
        "UsSsnRecognizer",
    ]


def test_email_domain_validated_against_bundled_suffix_list():
    """Presidio's e-mail check rejects unknown top-level domains using the bundled list."""
    found = presidio_backend.analyze("write to a@b.notarealtld or a@b.org", {"email"})
    assert [c.kind for c in found] == ["email"]


def test_only_requested_kinds_run():
    """Asking for some kinds runs only their recognizers."""
    found = presidio_backend.analyze("SSN 344-10-8086, a@b.org", {"ssn"})
    assert {c.kind for c in found} == {"ssn"}
    assert presidio_backend.analyze("anything", set()) == []


def test_check_with_presidio_sources_blocks_the_same(no_network):
    """With Presidio as the source, patient identifiers still block, offline."""
    text = "Pt SSN 344-10-8086; patient's email jane.roe@gmail.com; MBI 1EG4-TE5-MK73."
    report = analyze(text, GuardContext(), sources=PRESIDIO)
    assert report.blocked
    assert {"phi.ssn", "phi.email", "phi.mbi"} <= {f.rule for f in report.findings}


def test_check_never_touches_the_network(no_network):
    """check() on every kind of text runs with the network refused."""
    for text in (
        "Pt SSN 344-10-8086, DOB 1/2/1950, jane.roe@gmail.com, 617-555-0142",
        "Grand rounds: https://www.nejm.org/doi/10.1056/x, cme@hospital.org",
        "What a fucking night. My cell is 617-555-0142.",
    ):
        check(text)
