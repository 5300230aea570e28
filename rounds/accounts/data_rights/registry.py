"""The data-rights registry: every installed app's ``datarights`` module.

The contract of ``rounds/<app>/datarights.py`` (docs/architecture.md, "Data rights"):

``export_member_data(user) -> dict[str, Any]``
    JSON-serialisable data keyed by file name (``{"messages": [...]}``) holding every piece of
    this member's data in the app and nothing private of anyone else.
``erase_member_data(user, *, anonymise: bool = False) -> None``
    Called inside the purge's transaction right before the User row is deleted (foreign keys
    to User cascade). Deletes or scrubs what a cascade would not remove or must scrub: text
    that stays visible to others, files on disk, counters of other members. ``anonymise``:
    keep public contributions as "Former member" with personal data removed; otherwise remove
    them. Private texts are always erased.

Optional:

``EXPORT_DESCRIPTIONS: dict[str, str]``
    What each exported file holds, for the archive's README.txt.
``export_member_files(user) -> dict[str, bytes]``
    Files to add to the archive (path inside the archive → content), e.g. the avatar.
``seed_canary_data(user, *, canary: str, other) -> None`` (for tests only)
    Create, through the app's services, data of every kind the app stores for ``user``
    with ``canary`` in every text field (``other`` is a second member to interact with).
    ``tests/test_data_rights_canary.py`` calls it and checks that no row keeps the canary
    after the purge; without it the test fills the app's tables generically.

A new app is covered by adding its module: the registry discovers it (a test fails while an
app under ``rounds/`` with a relation to the User model has none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import Any

from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import module_has_submodule

MODULE_NAME = "datarights"


@dataclass(frozen=True)
class DataRightsModule:
    """One app's data-rights functions."""

    app_label: str
    app_name: str
    verbose_name: str
    export: Callable[[Any], dict[str, Any]]
    erase: Callable[..., None]
    files: Callable[[Any], dict[str, bytes]] | None = None
    descriptions: dict[str, str] = field(default_factory=dict)
    #: The optional test hook ``seed_canary_data(user, *, canary, other)``.
    seed_canary: Callable[..., None] | None = None


def _load(app_config: AppConfig, module: ModuleType) -> DataRightsModule:
    export = getattr(module, "export_member_data", None)
    erase = getattr(module, "erase_member_data", None)
    if not callable(export) or not callable(erase):
        raise ImproperlyConfigured(
            f"{module.__name__} must define export_member_data(user) and "
            "erase_member_data(user, *, anonymise=False)."
        )
    files = getattr(module, "export_member_files", None)
    descriptions = getattr(module, "EXPORT_DESCRIPTIONS", {}) or {}
    seed = getattr(module, "seed_canary_data", None)
    return DataRightsModule(
        app_label=app_config.label,
        app_name=app_config.name,
        verbose_name=str(app_config.verbose_name),
        export=export,
        erase=erase,
        files=files if callable(files) else None,
        descriptions=dict(descriptions),
        seed_canary=seed if callable(seed) else None,
    )


def datarights_modules() -> list[DataRightsModule]:
    """Every installed app's data-rights module, in INSTALLED_APPS order.

    Raises ImproperlyConfigured when a module misses one of the two functions (an export or
    a deletion must never silently skip an app).
    """
    found = []
    for app_config in apps.get_app_configs():
        if app_config.module is None or not module_has_submodule(app_config.module, MODULE_NAME):
            continue
        module = import_module(f"{app_config.name}.{MODULE_NAME}")
        found.append(_load(app_config, module))
    return found


def collect_member_data(user: Any) -> list[tuple[DataRightsModule, dict[str, Any]]]:
    """Each module's export for ``user`` (module, {file key: data})."""
    return [(module, module.export(user)) for module in datarights_modules()]


def erase_member(user: Any, *, anonymise: bool) -> None:
    """Call every module's ``erase_member_data``. Run inside the purge's transaction, before
    the User row is deleted."""
    for module in datarights_modules():
        module.erase(user, anonymise=anonymise)


def scrub_admin_log(model: Any, object_ids: Any) -> int:
    """Scrub the staff admin's history of ``model`` rows ``object_ids``: its entries keep
    who did what and when, but no longer the object's name (``object_repr`` holds e.g. an
    email address or a display name) or the change message. Returns the rows changed."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    ids = [str(pk) for pk in object_ids]
    if not ids:
        return 0
    content_type = ContentType.objects.get_for_model(model)
    return LogEntry.objects.filter(content_type=content_type, object_id__in=ids).update(
        object_repr=f"deleted {model._meta.verbose_name}", change_message=""
    )
