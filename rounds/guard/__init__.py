"""The professionalism guard: patient information, offensive content and oversharing.

One entry point::

    from rounds.guard import GuardContext, check

    report = check(text, context=GuardContext(kind="post", author_phones=("617-555-0100",)))
    report.verdict      # "ok" | "warn" | "block"
    report.findings     # Finding(category, rule, start, end, matched, severity, explanation,
                        #         suggestion), in text order
    report.to_dict()    # the JSON the API returns

Pure Python, no Django: deterministic, offline, never logs or stores the text. Importing the
package is cheap; the word list loads on the first ``check()`` (or ``warm_up()``) and stays
loaded for the process. See README.md for the design, the library choices and the numbers.
"""

from __future__ import annotations

from .context import KINDS, GuardContext
from .report import CATEGORIES, Category, Finding, GuardReport, Severity, Verdict

__all__ = [
    "CATEGORIES",
    "KINDS",
    "Category",
    "Finding",
    "GuardContext",
    "GuardReport",
    "Severity",
    "Verdict",
    "check",
    "warm_up",
]


def check(text: str, *, context: GuardContext | None = None) -> GuardReport:
    """Check ``text`` before it is published by ``context``'s author.

    Returns a report whose verdict is ``block`` when it holds a high-confidence patient
    identifier (the author must edit), ``warn`` when it holds anything else worth a second
    look (the author may publish anyway), ``ok`` otherwise. Never raises for any ``str``.
    """
    from .engine import analyze

    if not isinstance(text, str):
        raise TypeError("check() needs the text as a str")
    return analyze(text, context or GuardContext())


def warm_up() -> None:
    """Load the word list (and Presidio, if configured) now instead of on the first
    ``check()`` (≈0.2 s once per process; a web worker may call it at start-up)."""
    from .engine import warm_up as _warm_up

    _warm_up()
