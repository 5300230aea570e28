"""Data rights: a member's copy of their data (export) and the deletion of their account.

Every app that stores member data provides ``rounds/<app>/datarights.py`` with
``export_member_data(user) -> dict`` and ``erase_member_data(user, *, anonymise=False)``;
``registry`` finds them, ``archive`` writes the export ZIP, ``services`` run the export and
deletion lifecycles, ``sessions`` ends a member's sessions, and ``views``/``api`` are the pages
(/settings/data/) and the API (/api/v1/me/export, /api/v1/me/deletion).
"""
