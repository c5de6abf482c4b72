"""Rubrics for tests, made the way real ones are: exchange data through the import service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

from convening.models import Organization
from rubrics import services
from rubrics.exchange import dumps
from rubrics.models import Descriptor, KeyAction, Level, Rubric, RubricTranslation


def exchange_data(
    *,
    slug: str = "custom-rubric",
    title: str = "Custom Rubric",
    version: int = 1,
    levels: int = 4,
    key_actions: int = 3,
) -> dict[str, Any]:
    return {
        "title": title,
        "slug": slug,
        "version": version,
        "source": "Our own practice guide",
        "row_heading": "Practices",
        "row_subheading": "What we look at",
        "levels": [
            {"position": i, "name": f"Level {i}", "summary": f"What level {i} means"} for i in range(1, levels + 1)
        ],
        "key_actions": [
            {
                "position": k,
                "title": f"Key action {k}",
                "descriptors": [f"Key action {k} at level {i}." for i in range(1, levels + 1)],
            }
            for k in range(1, key_actions + 1)
        ],
    }


def translation_data(original: dict[str, Any], *, note: str = "Nuestra traducción") -> dict[str, Any]:
    """A complete translation of exchange data: each text marked as Spanish."""

    def es(text: str) -> str:
        return f"ES {text}" if text else ""

    return {
        "note": note,
        **{field: es(original[field]) for field in ("title", "source", "row_heading", "row_subheading")},
        "levels": [
            {"position": level["position"], "name": es(level["name"]), "summary": es(level["summary"])}
            for level in original["levels"]
        ],
        "key_actions": [
            {
                "position": row["position"],
                "title": es(row["title"]),
                "descriptors": [es(text) for text in row["descriptors"]],
            }
            for row in original["key_actions"]
        ],
    }


DATA_DIR = Path(settings.BASE_DIR) / "rubrics" / "data"


def builtin_file(slug: str) -> bytes:
    """A built-in rubric's exchange file: its data file (the source document)
    with the translations that ship with it (rubrics/data/<language>/)."""
    data = json.loads((DATA_DIR / f"{slug}.json").read_text(encoding="utf-8"))
    translations = {
        path.parent.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(DATA_DIR.glob(f"*/{slug}.json"))
    }
    return dumps({**data, "translations": translations}).encode("utf-8")


def rubric_create(*, organization: Organization | None = None, **fields: Any) -> Rubric:
    return services.rubric_import(data=exchange_data(**fields), organization=organization)


def row_counts() -> dict[str, int]:
    """Rows of every rubric table, to show that a refused import changed nothing."""
    return {
        model.__name__: model.objects.count() for model in (Rubric, Level, KeyAction, Descriptor, RubricTranslation)
    }
