from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "rounds.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        from . import list_cache, rosters

        rosters.connect_signals()
        list_cache.connect_signals()
