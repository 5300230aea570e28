"""The export archive: one JSON file per category of data, the member's files, a README."""

from __future__ import annotations

import json
import re
import textwrap
import zipfile
from pathlib import Path
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from .registry import collect_member_data

_KEY_RE = re.compile(r"[^a-z0-9_-]+")

README_INTRO = """\
Your data from Rounds
=====================

This archive holds a copy of the data Rounds stores about you, as of {when} (UTC).
Each .json file is UTF-8 JSON, readable by any text editor or program. Other members appear
only as their public handle and name: their private labels, notes and settings are never
included. Files under media/ are the pictures you uploaded.

What each file holds
--------------------
"""

README_OUTRO = """
The download link for this archive works for 7 days; then the file is deleted from our
servers. You can request a new copy at any time in Settings → Your data.
"""


def _file_name(key: str, app_label: str, used: set[str]) -> str:
    """A safe, unique ``<key>.json`` name (prefixed with the app when two apps share a key)."""
    stem = _KEY_RE.sub("-", key.lower().removesuffix(".json")).strip("-") or app_label
    name = f"{stem}.json"
    if name in used:
        name = f"{app_label}-{stem}.json"
    used.add(name)
    return name


def _media_name(path: str, used: set[str]) -> str:
    """A safe, unique ``media/...`` name for a file a module adds (no absolute paths, no ..)."""
    parts = [_KEY_RE.sub("-", part.lower()).strip("-") for part in re.split(r"[\\/.]+", path)]
    words = [part for part in parts if part]
    if len(words) > 1:
        base, ext = "-".join(words[:-1]), f".{words[-1]}"
    else:
        base, ext = (words[0] if words else "file"), ""
    name, counter = f"media/{base}{ext}", 2
    while name in used:
        name, counter = f"media/{base}-{counter}{ext}", counter + 1
    used.add(name)
    return name


def write_archive(user: Any, target: Path) -> int:
    """Write ``user``'s export to ``target`` (a ZIP file) and return its size in bytes.

    Every registered app contributes its files; each file is described in README.txt.
    """
    described: list[tuple[str, str]] = []
    used: set[str] = {"README.txt"}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for module, data in collect_member_data(user):
            for key, value in data.items():
                name = _file_name(key, module.app_label, used)
                archive.writestr(
                    name, json.dumps(value, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
                )
                description = module.descriptions.get(key) or (
                    f"Your {key.replace('_', ' ')} ({module.verbose_name})."
                )
                described.append((name, description))
            if module.files is not None:
                for path, content in module.files(user).items():
                    name = _media_name(path, used)
                    archive.writestr(name, content)
                    described.append((name, f"A file you uploaded ({module.verbose_name})."))
        lines = [README_INTRO.format(when=timezone.now().strftime("%Y-%m-%d %H:%M"))]
        for name, text in described:
            lines.append(name)
            lines.extend(
                textwrap.wrap(text, width=88, initial_indent="    ", subsequent_indent="    ")
            )
        lines.append(README_OUTRO)
        archive.writestr("README.txt", "\n".join(lines))
    return target.stat().st_size
