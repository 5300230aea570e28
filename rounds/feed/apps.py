from typing import Any

from django.apps import AppConfig


def _account_saved(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """A scheduled account deletion cancelled brings the member's posts back into every feed
    that hid them: forget the kept home feed pages (``feedcache``)."""
    if update_fields is not None and "deletion_scheduled" in update_fields:
        from .feedcache import bump_epoch

        bump_epoch()


def _thread_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A thread written, edited, pinned, locked or moderated: its group's forum changed for
    the discussions tab's kept pages (counted in the saving transaction)."""
    from .feedcache import note_forum_change

    note_forum_change(instance.group_id)


def _reply_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A reply written, edited or moderated: its thread's replies changed for the kept
    replies pages (``community.reads``; counted in the saving transaction)."""
    from .feedcache import note_reply_change

    note_reply_change(instance.thread_id)


class FeedConfig(AppConfig):
    name = "rounds.feed"
    label = "feed"
    verbose_name = "Feed"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save

        post_save.connect(
            _account_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="feed.account_saved"
        )
        post_save.connect(_thread_saved, sender="community.Thread", dispatch_uid="feed.thread")
        post_save.connect(_reply_saved, sender="community.Reply", dispatch_uid="feed.reply")
        from .search import connect_signals

        connect_signals()
