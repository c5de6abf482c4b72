"""Rubrics for tests, made the way real ones are: exchange data through the import service."""

from __future__ import annotations

from typing import Any

from convening.models import Organization
from rubrics import services
from rubrics.models import Descriptor, KeyAction, Level, Rubric


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


def rubric_create(*, organization: Organization | None = None, **fields: Any) -> Rubric:
    return services.rubric_import(data=exchange_data(**fields), organization=organization)


def row_counts() -> dict[str, int]:
    """Rows of every rubric table, to show that a refused import changed nothing."""
    return {model.__name__: model.objects.count() for model in (Rubric, Level, KeyAction, Descriptor)}
