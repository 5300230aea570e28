"""Load the curated vocabularies (specialties, goals, interests) shipped in profiles/data/.

Data, not fixtures: every install needs them for profiles, search and later recommendations.
Reversible: the reverse removes only curated entries that no profile uses.
"""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    Specialty = apps.get_model("profiles", "Specialty")
    entries = json.loads((DATA / "specialties.json").read_text(encoding="utf-8"))
    by_slug = {}
    for entry in entries:  # parents come before their subspecialties in the file
        obj, _ = Specialty.objects.update_or_create(
            slug=entry["slug"], defaults={"name": entry["name"], "parent": by_slug.get(entry["parent"])}
        )
        by_slug[entry["slug"]] = obj
    for model_name, filename in (("Goal", "goals.json"), ("Interest", "interests.json")):
        model = apps.get_model("profiles", model_name)
        for entry in json.loads((DATA / filename).read_text(encoding="utf-8")):
            model.objects.update_or_create(slug=entry["slug"], defaults={"name": entry["name"], "curated": True})


def unload(apps, schema_editor):
    for model_name in ("Goal", "Interest"):
        apps.get_model("profiles", model_name).objects.filter(curated=True, profiles__isnull=True).delete()
    Specialty = apps.get_model("profiles", "Specialty")
    Specialty.objects.filter(parent__isnull=False, profiles__isnull=True).delete()
    Specialty.objects.filter(subspecialties__isnull=True, profiles__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("profiles", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
