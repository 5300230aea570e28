"""``{% load ids %}``: links to one object by id, without reversing the URL per link.

``{{ contact.pk|id_url:"contacts:quick_log" }}`` is ``{% url "contacts:quick_log" contact.pk %}``
for a URL whose one argument is an integer id. The URL is reversed once per process (around a
placeholder id) and the id put in its place: list pages that show a few links per row (a due
list of 20 contacts has 80) spent a third of their rendering in ``reverse``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.urls import get_script_prefix, reverse

register = template.Library()

#: Stands for the id in the reversed URL.
_SLOT = 987654321987654321


@lru_cache(maxsize=256)
def _around_id(name: str, script_prefix: str) -> tuple[str, str]:
    """The text before and after the id in URL ``name`` (NoReverseMatch for a bad name)."""
    before, after = reverse(name, args=[_SLOT]).split(str(_SLOT))
    return before, after


def id_url_of(name: str, object_id: int) -> str:
    """The URL ``name`` of the object with ``object_id`` (what ``reverse`` would give)."""
    before, after = _around_id(name, get_script_prefix())
    return f"{before}{int(object_id)}{after}"


@register.filter
def id_url(object_id: Any, name: str) -> str:
    """The URL ``name`` of the object with id ``object_id``."""
    return id_url_of(str(name), object_id)


@lru_cache(maxsize=512)
def _constant_url(name: str, script_prefix: str) -> str:
    return reverse(name)


@register.simple_tag
def const_url(name: str) -> str:
    """``{% const_url "app:name" %}`` is ``{% url "app:name" %}`` for a URL without arguments,
    reversed once per process (the navigation shows twenty of them on every page)."""
    return _constant_url(str(name), get_script_prefix())
