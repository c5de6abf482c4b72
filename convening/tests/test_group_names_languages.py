"""Stakeholder groups have a name per language (issue 15, item 3): lists and
imports accept any of them, pages show the reader's, the default groups get
theirs from the catalogue (so a new language needs no code), and no figure
depends on which name is read."""

import importlib
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from assessments.paper.checks import RoundContent, sheets_from_rows
from assessments.paper.parsing import PaperRow
from assessments.results.computation import round_results
from assessments.tests.history_data import CAE, closed_round, respond
from convening import services
from convening.models import DEFAULT_STAKEHOLDER_GROUPS, StakeholderGroup, TeamMember
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("convening.migrations.0003_stakeholder_group_names_per_language")

CLOSED = datetime(2027, 3, 1, tzinfo=UTC)

SPANISH = {
    "Family": "Familia",
    "Educator": "Educador",
    "Administrator": "Administrador",
    "Provider": "Proveedor",
    "Advocate": "Defensor",
    "Other": "Otro",
}


@pytest.fixture
def spanish_org(org):
    """The default groups as the migration leaves them."""
    migration.name_default_groups_in_every_language(apps, None)
    return org


def _names(org):
    return {group.name: group.names for group in org.stakeholder_groups.all()}


def test_a_new_organizations_default_groups_are_named_in_spanish():
    organization = services.organization_create(name="Agencia")

    assert _names(organization) == {name: {"es": SPANISH[name]} for name in DEFAULT_STAKEHOLDER_GROUPS}


def test_the_migration_names_the_default_groups_and_keeps_a_name_given(org):
    org.stakeholder_groups.filter(name="Advocate").update(names={"es": "Defensoría"})
    org.stakeholder_groups.create(name="Tribal liaison", position=9)
    org.stakeholder_groups.filter(name="Other").update(name="OTHER")

    migration.name_default_groups_in_every_language(apps, None)

    names = _names(org)
    assert names["Family"] == {"es": "Familia"}
    assert names["Advocate"] == {"es": "Defensoría"}
    assert names["OTHER"] == {"es": "Otro"}
    assert names["Tribal liaison"] == {}


def _import(client, team, text):
    url = reverse("convening:team_members_import", args=[team.pk])
    preview = client.post(url, {"text": text})
    assert preview.context["confirm_form"] is not None, preview.content.decode()
    return client.post(url, {"payload": preview.context["confirm_form"]["payload"].value()}, follow=True)


def test_an_import_accepts_the_groups_spanish_names(client, facilitator, spanish_org):
    team = TeamFactory(organization=spanish_org)
    client.force_login(facilitator)

    _import(client, team, "Ana,ana@example.org,Familia\nLuis,luis@example.org,EDUCADOR\nEva,eva@example.org,Educator")

    groups = dict(TeamMember.objects.filter(team=team).values_list("user__email", "stakeholder_group__name"))
    assert groups == {"ana@example.org": "Family", "luis@example.org": "Educator", "eva@example.org": "Educator"}


def test_a_paper_file_accepts_the_groups_spanish_names(spanish_org):
    round_ = closed_round(TeamFactory(organization=spanish_org), closed_at=CLOSED)
    rows = [PaperRow(row=2, respondent="P-1", group="Familia", rubric="1", key_action="1", level="2", evidence="")]

    sheets, problems = sheets_from_rows(rows, content=RoundContent(round_), groups=spanish_org.stakeholder_groups.all())

    assert not [message for _row, message in problems if "stakeholder group" in message]
    assert [sheet.stakeholder_group.name for sheet in sheets] == ["Family"]


@pytest.mark.parametrize(("language", "shown", "not_shown"), [("es", "Familia", "Family"), ("en", "Family", "Familia")])
def test_pages_show_the_readers_name(client, facilitator, spanish_org, language, shown, not_shown):
    team = TeamFactory(organization=spanish_org)
    services.team_member_add(team=team, email="ana@example.org", name="Ana", stakeholder_group=_group(spanish_org))
    facilitator.language = language
    facilitator.save()
    client.force_login(facilitator)

    page = client.get(reverse("convening:team_detail", args=[team.pk]), HTTP_ACCEPT_LANGUAGE=language)

    text = page.content.decode()
    assert f">{shown}<" in text
    assert f">{not_shown}<" not in text


def _group(org, name="Family"):
    return StakeholderGroup.objects.get(organization=org, name=name)


def _rename(org, name, spanish):
    return {"action": "rename", "group": _group(org, name).pk, "name": name, "name_es": spanish}


def test_no_name_in_any_language_may_look_like_another_groups(client, facilitator, spanish_org):
    client.force_login(facilitator)
    before = _names(spanish_org)
    url = reverse("convening:stakeholder_groups")

    refused = [
        client.post(url, {"action": "create", "new-name": "familia"}),
        client.post(url, {"action": "create", "new-name": "Kin", "new-name_es": "Educator"}),
        client.post(
            url, {"action": "rename", "group": _group(spanish_org, "Other").pk, "name": "Other", "name_es": "Defensor"}
        ),
    ]

    for page in refused:
        assert "There is a group called" in page.content.decode()
    assert _names(spanish_org) == before


def test_the_groups_page_names_a_group_in_spanish(client, facilitator, spanish_org):
    client.force_login(facilitator)
    url = reverse("convening:stakeholder_groups")

    client.post(url, {"action": "create", "new-name": "Tribal liaison", "new-name_es": "Enlace tribal"})
    client.post(
        url,
        {"action": "rename", "group": _group(spanish_org, "Advocate").pk, "name": "Advocate", "name_es": "Defensoría"},
    )

    names = _names(spanish_org)
    assert names["Tribal liaison"] == {"es": "Enlace tribal"}
    assert names["Advocate"] == {"es": "Defensoría"}
    page = client.get(url).content.decode()
    assert 'name="name_es"' in page
    assert "Enlace tribal" in page


def test_figures_do_not_depend_on_the_language(spanish_org):
    round_ = closed_round(TeamFactory(organization=spanish_org), closed_at=CLOSED)
    respond(round_, "Family", [{1: 2}, {1: 3}], times=5, slug=CAE)

    def figures(language):
        with translation.override(language):
            results = round_results(round=round_)
        return [
            (
                row.key_action.pk,
                row.stats,
                [(group.respondents, group.stats) for group in row.groups],
            )
            for rubric in results.rubrics
            for row in rubric.key_actions
        ]

    assert figures("es") == figures("en")
