"""Helpers to build conversations in tests through the real services."""

from __future__ import annotations

from typing import Any

from rounds.messaging.models import Message
from rounds.messaging.services import conversation_start, message_send


def start(actor: Any, *recipients: Any, body: str = "Hello, good to meet you.") -> Message:
    """``actor`` writes ``body`` to ``recipients`` (users); returns the first message."""
    return conversation_start(actor=actor, recipients=list(recipients), body=body)


def reply(actor: Any, message_or_id: Any, body: str = "Thanks, likewise.") -> Message:
    """``actor`` answers in the conversation of ``message_or_id`` (a message or a
    conversation id)."""
    conversation_id = getattr(message_or_id, "conversation_id", message_or_id)
    return message_send(actor=actor, conversation_id=conversation_id, body=body)
