from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from rubrics.exchange import dumps
from rubrics.models import Rubric
from rubrics.tests.factories import builtin_file, exchange_data, row_counts, rubric_create

pytestmark = pytest.mark.django_db

BUILTIN = "creating-active-engagement"
BUILTIN_FILE = Path(settings.BASE_DIR) / "rubrics" / "data" / f"{BUILTIN}.json"


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def rubric_file(tmp_path) -> Path:
    path = tmp_path / "custom.json"
    path.write_text(dumps(exchange_data()), encoding="utf-8")
    return path


def test_import_without_organization_makes_a_builtin(rubric_file):
    out, _err = run("import_rubric", str(rubric_file))
    assert out == "custom-rubric version 1\n"
    assert Rubric.objects.get(slug="custom-rubric").organization is None


@pytest.mark.parametrize("how", ["name", "id"])
def test_import_for_an_organization_by_name_or_id(org, rubric_file, how):
    out, _err = run("import_rubric", str(rubric_file), "--organization", org.name if how == "name" else str(org.pk))
    assert out == "custom-rubric version 1\n"
    assert Rubric.objects.get(slug="custom-rubric").organization == org


def test_import_of_an_existing_builtin_slug_makes_the_next_version():
    out, _err = run("import_rubric", str(BUILTIN_FILE))
    assert out == f"{BUILTIN} version 2\n"


def test_a_bad_file_is_refused_with_every_message(tmp_path):
    data = exchange_data()
    data["title"] = ""
    data["key_actions"][0]["descriptors"].pop()
    path = tmp_path / "bad.json"
    path.write_text(dumps(data), encoding="utf-8")
    before = row_counts()
    err = StringIO()
    with pytest.raises(CommandError, match="not imported \\(2 problems\\)"):
        call_command("import_rubric", str(path), stdout=StringIO(), stderr=err)
    assert err.getvalue() == "title: must not be empty\nkey_actions[1].descriptors: expected 4, got 3\n"
    assert row_counts() == before


def test_a_missing_file_or_organization_is_an_error(rubric_file, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run("import_rubric", str(tmp_path / "nowhere.json"))
    with pytest.raises(CommandError, match="no organization 'Nobody'"):
        run("import_rubric", str(rubric_file), "--organization", "Nobody")


def test_export_prints_the_exchange_file(client_for, lead):
    out, _err = run("export_rubric", BUILTIN)
    assert out.encode() == builtin_file(BUILTIN)
    assert out.encode() == client_for(lead).get(f"/rubrics/{BUILTIN}.json").content


def test_export_of_a_version_and_of_an_organizations_rubric(org):
    rubric_create(organization=org, slug=BUILTIN, title="Ours")
    assert run("export_rubric", BUILTIN, "--version", "1")[0].encode() == builtin_file(BUILTIN)
    assert '"title": "Ours"' in run("export_rubric", BUILTIN, "--organization", org.name)[0]
    # Without the organization, only built-ins are seen.
    assert '"title": "Creating Active Engagement"' in run("export_rubric", BUILTIN)[0]


def test_export_of_an_unknown_rubric_is_an_error(org):
    rubric_create(organization=org)
    with pytest.raises(CommandError, match="no rubric 'custom-rubric'"):
        run("export_rubric", "custom-rubric")
    with pytest.raises(CommandError, match="no rubric"):
        run("export_rubric", BUILTIN, "--version", "9")
