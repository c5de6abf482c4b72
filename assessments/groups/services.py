"""Merging one stakeholder group into another. It lives here, not in
`convening` with the other writes of groups, because the rounds' invitations
and responses keep their group and only this app may move them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import Invitation, Response, Round
from assessments.results.releases import results_changed
from convening.access import require
from convening.audit.services import audit_record
from convening.models import AuditKind, StakeholderGroup, TeamMember, User


@dataclass(frozen=True)
class GroupUsage:
    """What a merge moves: the group's responses, invitations and team
    members, and the rounds whose results count the responses."""

    responses: int
    invitations: int
    team_members: int
    rounds: int


def stakeholder_group_usage(*, group: StakeholderGroup) -> GroupUsage:
    """What merging `group` would move (four queries)."""
    return GroupUsage(
        responses=Response.objects.filter(stakeholder_group=group).count(),
        invitations=Invitation.objects.filter(stakeholder_group=group).count(),
        team_members=TeamMember.objects.filter(stakeholder_group=group).count(),
        rounds=Response.objects.filter(stakeholder_group=group).values("round").distinct().count(),
    )


@transaction.atomic
def stakeholder_group_merge(*, group: StakeholderGroup, into: StakeholderGroup, by: User) -> GroupUsage:
    """Moves every response, invitation and team member of `group` to `into`
    (a group of the same organization), then deletes `group`: all or nothing.
    The released figures count responses by group, so every round whose
    responses moved is told (`results_changed`), and its next release, when
    the disclosure rules allow one, counts them in `into`."""
    require(user=by, organization_id=group.organization_id, need="team.manage")
    if into.pk == group.pk:
        raise ValidationError({"into": _("Choose another group to merge “%(group)s” into.") % {"group": group.name}})
    if into.organization_id != group.organization_id:
        raise ValidationError({"into": _("Groups of another organization cannot be merged.")})
    responses_by_round: dict[int, list[int]] = defaultdict(list)
    for pk, round_id in Response.objects.filter(stakeholder_group=group).values_list("pk", "round_id"):
        responses_by_round[round_id].append(pk)
    # The rounds' rows first, in id order as releases lock them: a release made meanwhile sees all moved or none.
    list(Round.objects.select_for_update().filter(pk__in=list(responses_by_round)).order_by("pk").values_list("pk"))
    usage = GroupUsage(
        responses=Response.objects.filter(stakeholder_group=group).update(stakeholder_group=into),
        invitations=Invitation.objects.filter(stakeholder_group=group).update(stakeholder_group=into),
        team_members=TeamMember.objects.filter(stakeholder_group=group).update(stakeholder_group=into),
        rounds=len(responses_by_round),
    )
    for round_id in sorted(responses_by_round):
        results_changed(round_id=round_id, response_ids=responses_by_round[round_id])
    group.delete()
    audit_record(
        organization=group.organization_id,
        by=by,
        kind=AuditKind.GROUP_CHANGED,
        subject=into,
        summary=_("%(group)s: merged into %(into)s") % {"group": group.name, "into": into.name},
    )
    return usage
