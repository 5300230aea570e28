from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rounds.accounts"
    label = "accounts"
    verbose_name = "Accounts"
