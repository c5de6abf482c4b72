from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from rubrics.exchange import dumps, parse_exchange, rubric_to_dict
from rubrics.models import Rubric
from rubrics.selectors import rubric_get
from rubrics.services import rubric_freeze, rubric_import
from rubrics.tests.bad_files import bad_data
from rubrics.tests.factories import builtin_file, exchange_data, row_counts, rubric_create

pytestmark = pytest.mark.django_db


def export(rubric: Rubric) -> bytes:
    stored = rubric_get(slug=rubric.slug, organization=rubric.organization, version=rubric.version)
    assert stored is not None
    return dumps(rubric_to_dict(stored)).encode()


def test_a_new_slug_round_trips_byte_for_byte(org):
    raw = dumps(exchange_data(version=3)).encode()
    rubric = rubric_import(data=parse_exchange(raw), organization=org)
    assert (rubric.organization, rubric.version, rubric.frozen) == (org, 3, False)
    assert export(rubric) == raw


def test_a_slug_the_organization_sees_becomes_its_next_version(org):
    builtin_before = builtin_file("creating-active-engagement")
    rubric = rubric_import(data=parse_exchange(builtin_before), organization=org)
    assert (rubric.organization, rubric.version) == (org, 2)
    again = rubric_import(data=parse_exchange(builtin_before), organization=org)
    assert again.version == 3
    builtin = Rubric.objects.get(organization=None, slug="creating-active-engagement")
    assert (builtin.version, builtin.frozen) == (1, True)
    assert export(builtin) == builtin_before


def test_chains_of_other_organizations_do_not_count(org, other_org):
    rubric_create(organization=other_org, version=4)
    rubric_create(organization=other_org, version=5)
    assert rubric_create(organization=org, version=1).version == 1


def test_a_new_builtin_version_outranks_every_organization(org, other_org):
    rubric_create(organization=org, version=1)
    rubric_create(organization=other_org, version=6)
    assert rubric_create(organization=None).version == 7


def test_levels_given_out_of_order_keep_their_descriptors(org):
    data = exchange_data(levels=3, key_actions=1)
    data["levels"].reverse()
    rubric = rubric_import(data=data, organization=org)
    assert [(d.level.position, d.text) for d in rubric.key_actions.get().descriptors.select_related("level")] == [
        (1, "Key action 1 at level 1."),
        (2, "Key action 1 at level 2."),
        (3, "Key action 1 at level 3."),
    ]


@bad_data
def test_bad_data_changes_nothing(org, change, message):
    data = exchange_data()
    change(data)
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        rubric_import(data=data, organization=org)
    assert message in caught.value.messages
    assert row_counts() == before


def test_losing_a_race_for_a_version_is_a_message_not_an_error(org):
    rubric_create(organization=org)
    before = row_counts()
    # Two imports at one moment both see version 1 as the latest and both choose 2.
    with mock.patch("rubrics.services._next_version", return_value=1), pytest.raises(ValidationError) as caught:
        rubric_create(organization=org)
    assert caught.value.messages == [
        "slug: another version of this rubric was saved at the same moment; please import again"
    ]
    assert row_counts() == before


def test_freezing_is_a_conditional_update(org):
    rubric = rubric_create(organization=org)
    assert rubric_freeze(rubric=rubric) is True
    assert rubric.frozen
    assert rubric_freeze(rubric=Rubric.objects.get(pk=rubric.pk)) is False
    assert Rubric.objects.get(pk=rubric.pk).frozen
