from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "rounds.community"
    label = "community"
    verbose_name = "Community"
