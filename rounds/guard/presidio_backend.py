"""Microsoft Presidio's analyzer, configured to run offline with no NLP model.

* **No model download.** The analyzer gets Presidio's ``NoOpNlpEngine``: it loads no spaCy
  model and returns empty NLP artifacts, so only self-contained pattern recognizers run. Their
  context words need tokens and are therefore ignored: patient context is scored by
  ``patient_context`` instead.
* **Only these recognizers**: US SSN (with Presidio's invalidation of never-issued and sample
  numbers), e-mail, phone numbers (Google's libphonenumber, US region) and Medicare
  beneficiary IDs; ``engine.DEFAULT_SOURCES`` says which of them ``check()`` uses (measured
  with ``evaluate.py --compare``; the phone recognizer is loaded for that comparison only).
  The rest of the registry (NER, credit cards, IBAN, URLs, …) is not loaded.
* **No network.** Presidio's e-mail recognizer validates the domain with ``tldextract``, whose
  default extractor downloads the public suffix list on first use. Ours is built with
  ``suffix_list_urls=()`` and ``cache_dir=None``: it reads the snapshot bundled in the wheel
  and never touches the network or the disk.
* **Loaded once, lazily.** Importing Presidio imports spaCy (≈1.6 s, measured in README.md),
  so nothing here runs at ``import rounds.guard``; the first ``check()`` (or ``warm_up()``)
  builds one analyzer per process and reuses it.

Presidio's own loggers are left at their defaults; the analyzer is never asked for its
decision process, so no text reaches a log.
"""

from __future__ import annotations

import threading
from typing import Any

from .recognizers import Candidate

#: Presidio entity → our candidate kind.
ENTITY_KINDS = {
    "US_SSN": "ssn",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "US_MBI": "mbi",
}
KINDS = frozenset(ENTITY_KINDS.values())

_lock = threading.Lock()
_analyzer: Any = None


def _offline_extractor() -> Any:
    import tldextract

    # suffix_list_urls=() → never fetch; cache_dir=None → never write; the bundled public
    # suffix list snapshot is used.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _build() -> Any:
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        EmailRecognizer,
        PhoneRecognizer,
        UsMbiRecognizer,
        UsSsnRecognizer,
    )

    extract = _offline_extractor()

    class OfflineEmailRecognizer(EmailRecognizer):
        """Presidio's e-mail recognizer validating domains against the bundled suffix list."""

        def validate_result(self, pattern_text: str) -> bool:
            return bool(extract(pattern_text).fqdn)

    nlp_engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        UsSsnRecognizer(),
        OfflineEmailRecognizer(),
        PhoneRecognizer(supported_regions=("US",), leniency=1),
        UsMbiRecognizer(),
    ):
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(
        nlp_engine=nlp_engine,
        registry=registry,
        supported_languages=["en"],
        default_score_threshold=0.0,
    )


def analyzer() -> Any:
    """The process-wide analyzer (built on first use; thread-safe)."""
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                _analyzer = _build()
    return _analyzer


def available() -> bool:
    """Is presidio-analyzer importable here?"""
    try:
        import presidio_analyzer  # noqa: F401
    except ImportError:  # pragma: no cover - it is a declared dependency
        return False
    return True


_KIND_ENTITIES = {kind: entity for entity, kind in ENTITY_KINDS.items()}


def analyze(text: str, kinds: frozenset[str] | set[str] = KINDS) -> list[Candidate]:
    """Presidio's candidates for ``kinds`` (of ssn, email, phone, mbi); only their
    recognizers run."""
    entities = [_KIND_ENTITIES[kind] for kind in sorted(kinds) if kind in _KIND_ENTITIES]
    if not entities:
        return []
    results = analyzer().analyze(text=text, language="en", entities=entities)
    found = []
    for result in results:
        kind = ENTITY_KINDS.get(result.entity_type)
        if kind is None:
            continue
        found.append(
            Candidate(
                kind, int(result.start), int(result.end), float(result.score), source="presidio"
            )
        )
    return found
