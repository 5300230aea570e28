from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "rounds.network"
    label = "network"
    verbose_name = "Network"
