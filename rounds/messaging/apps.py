from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "rounds.messaging"
    label = "messaging"
    verbose_name = "Messaging"
