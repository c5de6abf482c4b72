"""Translations of rubric content: the exchange format's `translations`, the
completeness rule, and the project's Spanish of the two LbC rubrics."""

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from rubrics import services
from rubrics.exchange import clean, dumps, parse_exchange, rubric_to_dict
from rubrics.models import RubricTranslation
from rubrics.selectors import rubric_get
from rubrics.tests.factories import exchange_data, row_counts, translation_data

DATA_DIR = Path(settings.BASE_DIR) / "rubrics" / "data"
LBC_SLUGS = ["creating-active-engagement", "building-support-through-data"]
PROJECT_NOTE = "Traducción de Convening; el original está en inglés"
# The one text the Spanish keeps as it is: the publication's title.
PROPER_NAMES = {"Leading By Convening — A Blueprint for Authentic Engagement"}


def with_spanish(**fields) -> dict:
    data = exchange_data(**fields)
    return {**data, "translations": {"es": translation_data(data)}}


def texts_by_place(data: dict) -> dict[str, str]:
    """Every translatable text with its place."""
    texts = {field: data[field] for field in ("title", "source", "row_heading", "row_subheading")}
    for level in data["levels"]:
        texts[f"level {level['position']} name"] = level["name"]
        texts[f"level {level['position']} summary"] = level["summary"]
    for row in data["key_actions"]:
        texts[f"key action {row['position']} title"] = row["title"]
        for index, text in enumerate(row["descriptors"], start=1):
            texts[f"key action {row['position']} level {index}"] = text
    return texts


def refused(data) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        clean(data)
    return caught.value.messages


# The shipped Spanish


@pytest.mark.parametrize("slug", LBC_SLUGS)
def test_the_shipped_spanish_is_complete_and_translated(slug):
    english = texts_by_place(json.loads((DATA_DIR / f"{slug}.json").read_text(encoding="utf-8")))
    spanish_data = json.loads((DATA_DIR / "es" / f"{slug}.json").read_text(encoding="utf-8"))
    spanish = texts_by_place(spanish_data)
    assert spanish.keys() == english.keys()
    assert [place for place, text in spanish.items() if not text.strip()] == []
    untranslated = [place for place, text in spanish.items() if text == english[place] and text not in PROPER_NAMES]
    assert untranslated == []
    assert [place for place, text in spanish.items() if " ".join(text.split()) != text] == []
    assert spanish_data["note"] == PROJECT_NOTE


@pytest.mark.parametrize("slug", LBC_SLUGS)
def test_the_shipped_spanish_passes_the_import_check(slug):
    data = json.loads((DATA_DIR / f"{slug}.json").read_text(encoding="utf-8"))
    data["translations"] = {"es": json.loads((DATA_DIR / "es" / f"{slug}.json").read_text(encoding="utf-8"))}
    assert clean(copy.deepcopy(data)) == data


@pytest.mark.django_db
@pytest.mark.parametrize("slug", LBC_SLUGS)
def test_the_data_migration_stored_the_shipped_spanish(slug):
    translation = RubricTranslation.objects.get(rubric__organization=None, rubric__slug=slug, language="es")
    shipped = json.loads((DATA_DIR / "es" / f"{slug}.json").read_text(encoding="utf-8"))
    assert translation.texts == shipped


@pytest.mark.django_db
def test_the_json_marks_the_spanish_as_the_projects_translation():
    data = rubric_to_dict(rubric_get(slug="creating-active-engagement", organization=None))
    assert data["translations"]["es"]["note"] == PROJECT_NOTE
    assert data["title"] == "Creating Active Engagement"


# The exchange format


@pytest.mark.django_db
def test_import_then_export_of_a_file_with_translations_is_byte_for_byte(org):
    text = dumps(with_spanish(slug="translated"))
    services.rubric_import(data=parse_exchange(text.encode()), organization=org)
    exported = dumps(rubric_to_dict(rubric_get(slug="translated", organization=org)))
    assert exported == text


@pytest.mark.django_db
def test_a_file_without_translations_still_exports_without_them(org):
    text = dumps(exchange_data(slug="plain"))
    services.rubric_import(data=parse_exchange(text.encode()), organization=org)
    assert dumps(rubric_to_dict(rubric_get(slug="plain", organization=org))) == text


def _drop_descriptor(data):
    data["translations"]["es"]["key_actions"][1]["descriptors"].pop()


def _empty_level_name(data):
    data["translations"]["es"]["levels"][2]["name"] = "  "


def _missing_title(data):
    del data["translations"]["es"]["key_actions"][0]["title"]


def _missing_key_action(data):
    data["translations"]["es"]["key_actions"].pop()


def _wrong_position(data):
    data["translations"]["es"]["levels"][0]["position"] = 9


def _not_an_object(data):
    data["translations"]["es"] = ["Título"]


def _unknown_language(data):
    data["translations"]["fr"] = data["translations"]["es"]


def _english_as_translation(data):
    data["translations"]["en"] = data["translations"].pop("es")


def _translations_not_an_object(data):
    data["translations"] = "es"


def _summary_the_original_lacks(data):
    data["levels"][0]["summary"] = ""


def _unknown_field(data):
    data["translations"]["es"]["colour"] = "rojo"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_drop_descriptor, "translations.es.key_actions[2].descriptors: expected 4, got 3"),
        (_empty_level_name, "translations.es.levels[3].name: must not be empty"),
        (_missing_title, "translations.es.key_actions[1].title: missing"),
        (_missing_key_action, "translations.es.key_actions: expected 3, got 2"),
        (_wrong_position, "translations.es.levels[1].position: expected 1 to 4, got 9"),
        (_not_an_object, "translations.es: expected an object, got a list"),
        (_unknown_language, "translations.fr: not a language rubrics are translated into here (es)"),
        (_english_as_translation, "translations.en: not a language rubrics are translated into here (es)"),
        (_translations_not_an_object, "translations: expected an object, got text"),
        (_summary_the_original_lacks, "translations.es.levels[1].summary: must be empty, as the original is"),
        (_unknown_field, "translations.es.colour: unknown field"),
    ],
)
def test_an_incomplete_or_malformed_translation_is_refused_with_its_place(change, message):
    data = with_spanish()
    change(data)
    assert message in refused(data)


@pytest.mark.django_db
def test_a_refused_translation_saves_nothing_not_even_the_original(org):
    data = with_spanish()
    _drop_descriptor(data)
    before = row_counts()
    with pytest.raises(ValidationError):
        services.rubric_import(data=data, organization=org)
    assert row_counts() == before


def test_the_translation_is_not_checked_against_a_broken_original():
    data = with_spanish()
    data["levels"] = data["levels"][:1]
    assert refused(data) == ["levels: expected 2 to 6 levels, got 1"]
