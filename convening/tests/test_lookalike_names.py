"""Stakeholder group names that look the same are the same group: results
are disaggregated by group, and "Family" beside "Fa\u200bmily" would split one
group's respondents in two, each under the anonymity threshold (issue 13)."""

import pytest
from django.core.exceptions import ValidationError

from convening import people_csv, services
from convening.models import StakeholderGroup
from convening.people_csv import PersonRow
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

ZERO_WIDTH_SPACE = "Fa\u200bmily"
CYRILLIC_A = "F\u0430mily"  # а, CYRILLIC SMALL LETTER A
FULLWIDTH = "\uff26amily"  # Ｆ, folded by NFKC


def _names(org):
    return sorted(StakeholderGroup.objects.filter(organization=org).values_list("name", flat=True))


@pytest.mark.parametrize("name", [ZERO_WIDTH_SPACE, FULLWIDTH, "Family\u00ad", "\u2060Family"])
def test_a_lookalike_of_an_existing_group_is_refused_as_taken(org, name):
    before = _names(org)
    with pytest.raises(ValidationError, match="There is a group called “Family” already"):
        services.stakeholder_group_create(organization=org, name=name)
    assert _names(org) == before


def test_a_name_mixing_alphabets_is_refused(org):
    before = _names(org)
    with pytest.raises(ValidationError, match="mixes letters of different alphabets"):
        services.stakeholder_group_create(organization=org, name=CYRILLIC_A)
    assert _names(org) == before


def test_renaming_to_a_lookalike_is_refused(org):
    educator = StakeholderGroup.objects.get(organization=org, name="Educator")
    for name in (ZERO_WIDTH_SPACE, CYRILLIC_A):
        with pytest.raises(ValidationError):
            services.stakeholder_group_rename(group=educator, name=name)
    educator.refresh_from_db()
    assert educator.name == "Educator"


def test_a_name_in_one_alphabet_is_kept_and_cleaned(org):
    assert services.stakeholder_group_create(organization=org, name="Семья").name == "Семья"
    assert services.stakeholder_group_create(organization=org, name="Jó\u200bvenes").name == "Jóvenes"


def test_an_import_reads_a_lookalike_as_the_group_it_looks_like(org):
    team = TeamFactory(organization=org)
    rows = [PersonRow(1, "Ana", "ana@example.org", ZERO_WIDTH_SPACE), PersonRow(2, "Bo", "bo@example.org", CYRILLIC_A)]

    ana, bo = people_csv.check_rows(team=team, rows=rows)

    assert (ana.status, ana.group.name) == (people_csv.RowStatus.ADD, "Family")
    assert bo.is_error  # never a second "Family": it matches no group
