from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "rounds.notifications"
    label = "notifications"
    verbose_name = "Notifications"
