"""Reading data export archives in tests."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


def read_archive(response: Any) -> dict[str, Any]:
    """The files of a downloaded export: JSON files parsed, others as bytes (README as text)."""
    body = b"".join(response.streaming_content)
    files: dict[str, Any] = {}
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in archive.namelist():
            raw = archive.read(name)
            if name.endswith(".json"):
                files[name] = json.loads(raw)
            elif name.endswith(".txt"):
                files[name] = raw.decode("utf-8")
            else:
                files[name] = raw
    return files


def archive_text(files: dict[str, Any]) -> str:
    """Everything in an archive as one string (to look for text that must not be there)."""
    return "\n".join(
        json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
        if not isinstance(value, bytes)
        else ""
        for value in files.values()
    )
