from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "rounds.profiles"
    label = "profiles"
    verbose_name = "Profiles"

    def ready(self) -> None:
        from .search_cache import connect_signals

        connect_signals()
