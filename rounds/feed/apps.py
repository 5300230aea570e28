from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "rounds.feed"
    label = "feed"
    verbose_name = "Feed"
