"""Loads the project's Spanish translation of the two built-in Leading by
Convening rubrics (rubrics/data/es/*.json, in the exchange format's
translation structure). The English originals stay as 0002 loaded them."""

import json
from pathlib import Path

from django.db import migrations

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
LANGUAGE = "es"
SLUGS = ["creating-active-engagement", "building-support-through-data"]


def load(apps, schema_editor):
    Rubric = apps.get_model("rubrics", "Rubric")
    RubricTranslation = apps.get_model("rubrics", "RubricTranslation")
    for slug in SLUGS:
        texts = json.loads((DATA_DIR / LANGUAGE / f"{slug}.json").read_text(encoding="utf-8"))
        rubric = Rubric.objects.get(organization=None, slug=slug, version=1)
        RubricTranslation.objects.update_or_create(rubric=rubric, language=LANGUAGE, defaults={"texts": texts})


def unload(apps, schema_editor):
    RubricTranslation = apps.get_model("rubrics", "RubricTranslation")
    RubricTranslation.objects.filter(
        rubric__organization__isnull=True, rubric__slug__in=SLUGS, rubric__version=1, language=LANGUAGE
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("rubrics", "0003_rubric_translations")]

    operations = [migrations.RunPython(load, unload)]
