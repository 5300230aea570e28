from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "rounds.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        from .rosters import connect_signals

        connect_signals()
