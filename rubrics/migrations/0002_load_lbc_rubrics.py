"""Loads the two built-in Leading by Convening rubrics from the data files the
project carries (rubrics/data/*.json, made from the source documents), so that
every fresh database has them and nobody types them in by hand."""

import json
from pathlib import Path

from django.db import migrations

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
LBC_FILES = ["creating-active-engagement.json", "building-support-through-data.json"]


def load(apps, schema_editor):
    Rubric = apps.get_model("rubrics", "Rubric")
    Level = apps.get_model("rubrics", "Level")
    KeyAction = apps.get_model("rubrics", "KeyAction")
    Descriptor = apps.get_model("rubrics", "Descriptor")
    for name in LBC_FILES:
        data = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
        rubric = Rubric.objects.create(
            organization=None,
            slug=data["slug"],
            version=data["version"],
            title=data["title"],
            source=data["source"],
            row_heading=data["row_heading"],
            row_subheading=data["row_subheading"],
            frozen=True,
        )
        levels = [
            Level.objects.create(rubric=rubric, position=lv["position"], name=lv["name"], summary=lv["summary"])
            for lv in data["levels"]
        ]
        for ka in data["key_actions"]:
            key_action = KeyAction.objects.create(rubric=rubric, position=ka["position"], title=ka["title"])
            Descriptor.objects.bulk_create(
                Descriptor(key_action=key_action, level=level, text=text)
                for level, text in zip(levels, ka["descriptors"], strict=True)
            )


def unload(apps, schema_editor):
    Rubric = apps.get_model("rubrics", "Rubric")
    slugs = [name.removesuffix(".json") for name in LBC_FILES]
    Rubric.objects.filter(organization__isnull=True, slug__in=slugs).delete()


class Migration(migrations.Migration):
    dependencies = [("rubrics", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
