from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "rounds.community"
    label = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        from .forum_search import connect_signals

        connect_signals()
