"""Canary strings for data-rights tests: fill a member's data with a unique string, then look
for it in every text column of every table, in the sessions and on disk.

``find_in_database(needles)`` scans every concrete model from ``apps.get_models()`` (M2M
tables included): every CharField (email, slug, URL…), TextField, JSONField and FileField,
plus the session table with raw SQL, each row decoded as the session engine would.
``autofill(model, ...)`` creates a row of any model with the canary in its free-text fields,
for apps whose data-rights module offers no ``seed_canary_data`` hook.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from importlib import import_module
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.functions import Cast
from django.utils import timezone

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.FileField)


def new_canary() -> str:
    """A unique, lowercase, slug-safe marker no real text contains."""
    return f"zqcanary{uuid.uuid4().hex[:12]}"


def npi_canary() -> str:
    """A valid, unique-enough NPI (10 digits, Luhn check digit over the 80840 prefix)."""
    from rounds.profiles.npi import luhn_check_digit

    payload = "1" + f"{uuid.uuid4().int % 10**8:08d}"
    return payload + str(luhn_check_digit("80840" + payload))


def _text_columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]


def find_in_database(needles: Iterable[str], *, app_labels: Iterable[str] = ()) -> list[str]:
    """``app.Model.field`` for every column of every table (of ``app_labels`` only, when
    given) holding one of ``needles``, and ``session <key>`` for every stored session (raw or
    decoded) holding one."""
    needles = [n for n in needles if n]
    only = set(app_labels)
    hits: list[str] = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        if only and model._meta.app_label not in only:
            continue
        for field in _text_columns(model):
            manager = model._base_manager
            for needle in needles:
                if isinstance(field, models.JSONField):
                    qs = manager.annotate(_canary_text=Cast(field.attname, models.TextField()))
                    qs = qs.filter(_canary_text__icontains=needle)
                else:
                    qs = manager.filter(**{f"{field.attname}__icontains": needle})
                if qs.exists():
                    hits.append(f"{model._meta.label}.{field.name} holds {needle}")
    hits.extend(find_in_sessions(needles))
    return hits


def find_in_sessions(needles: Iterable[str]) -> list[str]:
    """Stored sessions holding a needle (our engine's table and Django's own), read with raw
    SQL and decoded."""
    from rounds.accounts.models import MemberSession

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    rows = []
    for table in (MemberSession._meta.db_table, "django_session"):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_key, session_data FROM {connection.ops.quote_name(table)}"
            )
            rows.extend(cursor.fetchall())
    hits = []
    for key, data in rows:
        decoded = repr(store.decode(data))
        for needle in needles:
            if needle in data or needle.lower() in decoded.lower():
                hits.append(f"session {key[:6]}… holds {needle}")
    return hits


def files_holding(root: Path, needles: Iterable[str]) -> list[str]:
    """Files under ``root`` whose name or bytes hold a needle (ZIP members are read too)."""
    import zipfile

    hits = []
    if not root.exists():
        return hits
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        blobs = [path.read_bytes()]
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                blobs.extend(archive.read(name) for name in archive.namelist())
        for needle in needles:
            raw = needle.encode()
            if needle in path.name or any(raw in blob for blob in blobs):
                hits.append(f"{path} holds {needle}")
    return hits


# --- generic rows for apps without a seeding hook ---------------------------------------------


def _text_value(field: models.Field[Any, Any], canary: str) -> Any:
    if isinstance(field, models.JSONField):
        default = field.get_default()
        return [canary] if isinstance(default, list) else {"canary": canary}
    if isinstance(field, models.EmailField):
        value = f"{canary}@example.org"
    elif isinstance(field, models.URLField):
        value = f"https://example.org/{canary}"
    elif "url" in field.name:  # internal links are paths
        value = f"/{canary}/"
    else:
        value = canary
    limit = getattr(field, "max_length", None)
    return value if limit is None or len(value) <= limit else None


def autofill(
    model: type[models.Model],
    *,
    user: Any,
    other: Any,
    canary: str,
    made: dict[Any, models.Model],
) -> list[models.Model]:
    """Create rows of ``model`` tied to ``user`` with ``canary`` in every free-text field (not
    choices, not unique keys); empty when its constraints refuse a generic row.

    With several references to members, one row per way of placing ``user`` among them (the
    others point at ``other``): a message the member sent and one they received, a contact
    they own and one another member keeps about them. Other foreign keys point to rows made
    earlier (``made``) or to any existing row.
    """
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    member_fields = [
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is user_model
    ]
    placements = [dict.fromkeys(member_fields, user)]
    if len(member_fields) > 1:
        placements += [
            {name: (user if name == mine else other) for name in member_fields}
            for mine in member_fields
        ]
    rows = []
    for placement in placements:
        row = _autofill_one(model, placement=placement, canary=canary, made=made)
        if row is not None:
            rows.append(row)
    return rows


def _autofill_one(
    model: type[models.Model],
    *,
    placement: dict[str, Any],
    canary: str,
    made: dict[Any, models.Model],
) -> models.Model | None:
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.name in placement:
            values[field.name] = placement[field.name]
            continue
        if field.primary_key or getattr(field, "auto_now", False):
            continue
        if getattr(field, "auto_now_add", False):
            continue
        if field.is_relation:
            target = field.related_model
            if target in made:
                values[field.name] = made[target]
            elif field.null:
                values[field.name] = None
            else:
                existing = target._base_manager.first()  # type: ignore[union-attr]
                if existing is None:
                    return None
                values[field.name] = existing
            continue
        free_text = isinstance(field, TEXT_FIELDS) and not isinstance(field, models.FileField)
        if free_text and not field.choices and not field.unique:
            value = _text_value(field, canary)
            if value is not None:
                values[field.name] = value
                continue
        if field.has_default() or field.null or (free_text and field.blank):
            continue
        if field.choices:
            values[field.name] = field.choices[0][0]
        elif isinstance(field, models.DateTimeField):
            values[field.name] = timezone.now()
        elif isinstance(field, models.DateField):
            values[field.name] = dt.date.today()
        elif isinstance(field, models.DecimalField):
            values[field.name] = Decimal(1)
        elif isinstance(field, models.IntegerField | models.FloatField):
            values[field.name] = 1
        elif isinstance(field, models.BooleanField):
            values[field.name] = False
        elif isinstance(field, models.DurationField):
            values[field.name] = dt.timedelta(days=1)
        elif isinstance(field, models.CharField):
            values[field.name] = uuid.uuid4().hex[: field.max_length or 32]
        else:
            return None
    try:
        with transaction.atomic():
            return model._base_manager.create(**values)
    except Exception:
        return None
