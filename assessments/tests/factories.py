from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from assessments.invitations.services import Invitee, invitations_create
from assessments.models import Round
from assessments.rating.services import rating_save
from assessments.rounds.services import round_create
from convening.tests.factories import StakeholderGroupFactory, TeamFactory, TeamMemberFactory, UserFactory
from rubrics.models import Descriptor, KeyAction, Level, Rubric


def lbc_rubrics():
    return list(Rubric.objects.filter(organization__isnull=True).order_by("slug"))


class RoundFactory(DjangoModelFactory[Round]):
    """A round through the real service, so its rubrics are attached and frozen."""

    class Meta:
        model = Round

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Round {n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    threshold = 5

    @classmethod
    def _create(cls, model_class, *args, rubrics=None, **kwargs):
        return round_create(rubrics=rubrics if rubrics is not None else lbc_rubrics(), **kwargs)


def invite(round_, *people, group=None):
    """Invites `people` (new ones when none are given) and returns the invitations."""
    group = group or StakeholderGroupFactory(organization=round_.team.organization)
    people = people or [UserFactory()]
    for person in people:
        TeamMemberFactory(team=round_.team, user=person, stakeholder_group=group)
    return invitations_create(round=round_, invitees=[Invitee(user=p, stakeholder_group=group) for p in people])


def answer_all(invitation, *, not_sure_first=False):
    for i, key_action in enumerate(KeyAction.objects.filter(rubric__round_rubrics__round=invitation.round)):
        level = key_action.rubric.levels.get(position=1 + i % 4)
        rating_save(
            invitation=invitation,
            key_action_id=key_action.pk,
            level_id=None if (not_sure_first and i == 0) else level.pk,
            not_sure=not_sure_first and i == 0,
            evidence="",
        )


def rubric_with(*, organization, key_actions: int) -> Rubric:
    """A custom rubric of four levels and `key_actions` key actions."""
    rubric = Rubric.objects.create(
        organization=organization, slug=f"custom-{key_actions}", title=f"Custom {key_actions}", row_heading="Rows"
    )
    levels = Level.objects.bulk_create(Level(rubric=rubric, position=p, name=f"Level {p}") for p in range(1, 5))
    actions = KeyAction.objects.bulk_create(
        KeyAction(rubric=rubric, position=k, title=f"Key action {k}") for k in range(1, key_actions + 1)
    )
    Descriptor.objects.bulk_create(
        Descriptor(key_action=action, level=level_, text=f"{action.title} at {level_.name}")
        for action in actions
        for level_ in levels
    )
    return rubric
