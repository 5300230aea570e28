from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "rounds.moderation"
    label = "moderation"
    verbose_name = "Moderation"
