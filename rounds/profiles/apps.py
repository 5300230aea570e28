from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "rounds.profiles"
    label = "profiles"
    verbose_name = "Profiles"
