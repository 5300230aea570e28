"""Fixtures for the accounts tests: export archives go to a temp folder per test."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    """Data export archives are written under this test's temp folder."""
    settings.DATA_EXPORT_DIR = tmp_path / "exports"
