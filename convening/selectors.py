"""Reads of organizations, teams and people. Who may read them is
`convening.access`'s rule: callers pass objects they reached through it."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower

from .models import Membership, Organization, PersonName, StakeholderGroup, Team, TeamMember, User


def organizations_for(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).distinct().order_by("name")


def memberships_for(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__name", "role")


def teams_for(*, organization: Organization) -> QuerySet[Team]:
    return organization.teams.annotate(member_count=Count("members")).order_by("name")


def stakeholder_groups_for(*, organization: Organization) -> QuerySet[StakeholderGroup]:
    return organization.stakeholder_groups.order_by("position", "name")


def stakeholder_groups_with_usage(*, organization: Organization) -> QuerySet[StakeholderGroup]:
    """Each group with how many team members (over all teams) belong to it,
    and whether rounds used it (`used_by_rounds`): an invitation or a response
    keeps its group, so such a group can be merged into another, never deleted.
    (Invitations and responses belong to the app above; their relations are
    reached by name, without importing it.)"""
    used_by_rounds = StakeholderGroup.objects.filter(pk=OuterRef("pk")).filter(
        Q(invitations__isnull=False) | Q(responses__isnull=False)
    )
    return stakeholder_groups_for(organization=organization).annotate(
        member_count=Count("team_members"), used_by_rounds=Exists(used_by_rounds)
    )


def stakeholder_groups_with_team_counts(*, team: Team) -> QuerySet[StakeholderGroup]:
    """Every group of the team's organization, with the team's members in it (zero included)."""
    return stakeholder_groups_for(organization=team.organization).annotate(
        member_count=Count("team_members", filter=Q(team_members__team=team))
    )


def known_name(*, organization: Organization | OuterRef, user: str = "user") -> Coalesce:
    """The name `organization` (or the row's organization, an OuterRef)
    knows the person (the row's `user` field) by, else "". Never the name
    another organization typed, nor the person's own: an organization that
    types an address learns no name it did not give (issue 13)."""
    typed = PersonName.objects.filter(Q(organization=organization), user=OuterRef(user)).values("name")[:1]
    return Coalesce(Subquery(typed), Value(""))


def person_name_in(*, organization: Organization, user: User, to_themselves: bool = False) -> str:
    """As `known_name`, for one person (one query), else their address. Words
    for the person themselves (their mail) use first the name they gave
    themselves, which no organization writes."""
    if to_themselves and user.name:
        return user.name
    typed = PersonName.objects.filter(organization=organization, user=user).values_list("name", flat=True).first()
    return typed or user.email


def team_members_for(*, team: Team) -> QuerySet[TeamMember]:
    """The team's members, each with `known_name` (the organization's name for them)."""
    return (
        team.members.select_related("user", "stakeholder_group")
        .annotate(known_name=known_name(organization=team.organization))
        .order_by(Lower("known_name"), "user__email")
    )


def team_member_emails(*, team: Team) -> dict[str, TeamMember]:
    """The team's members by lower-cased e-mail address (one query)."""
    members = team.members.select_related("user", "stakeholder_group").annotate(email_lower=Lower("user__email"))
    return {member.email_lower: member for member in members}


def administrator_emails(emails: list[str]) -> set[str]:
    """Which of the (lower-cased) addresses are site administrators' accounts."""
    return set(
        User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .filter(Q(is_staff=True) | Q(is_superuser=True))
        .values_list("email_lower", flat=True)
    )
