from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "rounds.events"
    label = "events"
    verbose_name = "Events"
