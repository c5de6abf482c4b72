"""The built-in rubrics' translations load from their data files for every
language of the site (README, Adding a language): a new language is its
catalogue and its files, no code."""

import json
import shutil
from functools import partial
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings

from rubrics import services
from rubrics.models import RubricTranslation
from rubrics.services import BUILTIN_DATA_DIR, builtin_translations_load

pytestmark = pytest.mark.django_db

BUILTIN = "creating-active-engagement"
WITH_VIETNAMESE = [*settings.LANGUAGES, ("vi", "Vietnamese")]


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """The shipped data, and a "Vietnamese" made of the Spanish (only the structure matters here)."""
    shutil.copytree(BUILTIN_DATA_DIR, tmp_path / "data")
    (tmp_path / "data" / "vi").mkdir()
    spanish = json.loads((BUILTIN_DATA_DIR / "es" / f"{BUILTIN}.json").read_text(encoding="utf-8"))
    spanish["title"] = "Tạo sự tham gia tích cực"
    (tmp_path / "data" / "vi" / f"{BUILTIN}.json").write_text(json.dumps(spanish), encoding="utf-8")
    return tmp_path / "data"


def test_running_it_again_changes_nothing_of_the_shipped_spanish():
    before = {t.rubric_id: t.texts for t in RubricTranslation.objects.filter(language="es")}
    out = StringIO()
    call_command("load_rubric_translations", stdout=out)
    assert f"{BUILTIN} [es]" in out.getvalue()
    assert {t.rubric_id: t.texts for t in RubricTranslation.objects.filter(language="es")} == before


@override_settings(LANGUAGES=WITH_VIETNAMESE)
def test_a_new_language_of_the_site_loads_from_its_files(data_dir):
    loaded = builtin_translations_load(data_dir=data_dir)
    assert f"{BUILTIN} [vi]" in loaded
    assert (
        RubricTranslation.objects.get(rubric__slug=BUILTIN, language="vi").texts["title"] == "Tạo sự tham gia tích cực"
    )


def test_files_of_a_language_the_site_lacks_are_left_alone(data_dir):
    builtin_translations_load(data_dir=data_dir)
    assert not RubricTranslation.objects.filter(language="vi").exists()


@override_settings(LANGUAGES=WITH_VIETNAMESE)
def test_one_incomplete_file_stores_nothing_and_names_its_problem(data_dir):
    path = data_dir / "vi" / f"{BUILTIN}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["key_actions"][1]["descriptors"].pop()
    path.write_text(json.dumps(data), encoding="utf-8")
    (data_dir / "es" / f"{BUILTIN}.json").write_text(
        (data_dir / "es" / f"{BUILTIN}.json").read_text(encoding="utf-8").replace("Crear una", "Crear otra"),
        encoding="utf-8",
    )
    before = sorted(RubricTranslation.objects.values_list("rubric_id", "language", "texts"))
    with pytest.raises(ValidationError) as refused:
        builtin_translations_load(data_dir=data_dir)
    assert "key_actions[2].descriptors: expected 4, got 3" in " ".join(refused.value.messages)
    assert sorted(RubricTranslation.objects.values_list("rubric_id", "language", "texts")) == before


def test_the_command_says_what_it_refused(monkeypatch, data_dir):
    (data_dir / "es" / "no-such-rubric.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(services, "builtin_translations_load", partial(builtin_translations_load, data_dir=data_dir))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_rubric_translations", stdout=StringIO(), stderr=err)
    assert "no-such-rubric" in err.getvalue()
