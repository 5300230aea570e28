"""Helpers to build networks in tests through the real services."""

from __future__ import annotations

from rounds.network.models import Connection
from rounds.network.services import connection_request_accept, connection_request_send


def connect(a, b, *, note: str = "") -> tuple[Connection, Connection]:
    """Connect users ``a`` and ``b`` by request and acceptance; returns (a's side, b's side)."""
    request = connection_request_send(actor=a, recipient=b, note=note)
    b_side = connection_request_accept(actor=b, request_id=request.pk)
    return Connection.objects.get(owner=a, other=b), b_side
