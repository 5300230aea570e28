from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "rounds.contacts"
    label = "contacts"
    verbose_name = "Contacts"
