"""Reads that hold access rules. Every view reaches a tenant-owned object
through one of the `get_*_for` helpers: another organization's object answers
404 (its existence does not leak), a member without the needed role 403."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest

from .models import Membership, Organization, Role, StakeholderGroup, Team, TeamMember, User

SESSION_ORGANIZATION_KEY = "organization_id"
# Both may run a team's day-to-day views; only facilitators change anything.
TEAM_READERS = (Role.FACILITATOR, Role.LEAD)


def roles_by_organization(*, user: User) -> dict[int, set[str]]:
    """Every organization the person belongs to, with their roles there (one query)."""
    roles: dict[int, set[str]] = {}
    for organization_id, role in Membership.objects.filter(user=user).values_list("organization_id", "role"):
        roles.setdefault(organization_id, set()).add(role)
    return roles


def roles_in(*, user: User, organization_id: int) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user, organization_id=organization_id).values_list("role", flat=True))


def require_role(*, user: User, organization_id: int, need: Role | tuple[Role, ...] | None) -> set[str]:
    """The person's roles in the organization; 404 for non-members, 403 when
    `need` (a role, or roles any one of which is enough) is given and missing."""
    roles = roles_in(user=user, organization_id=organization_id)
    if not roles:
        raise Http404
    needed = need if isinstance(need, tuple) else (need,)
    if need is not None and not roles.intersection(needed):
        raise PermissionDenied
    return roles


def organizations_for(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).distinct().order_by("name")


def memberships_for(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__name", "role")


def current_organization(request: HttpRequest) -> Organization | None:
    """The organization the person is working in: the one chosen in the
    session if they still belong to it, else the first of theirs. Remembered
    on the request, as the view and the page header both ask."""
    if not request.user.is_authenticated:
        return None
    if not hasattr(request, "_current_organization"):
        organizations = organizations_for(user=request.user)
        chosen = request.session.get(SESSION_ORGANIZATION_KEY)
        organization = organizations.filter(pk=chosen).first() if chosen is not None else None
        request._current_organization = organization or organizations.first()
    return request._current_organization


def current_roles(request: HttpRequest) -> set[str]:
    """The person's roles in the current organization, read once per request."""
    if not hasattr(request, "_current_roles"):
        organization = current_organization(request)
        request._current_roles = roles_in(user=request.user, organization_id=organization.pk) if organization else set()
    return request._current_roles


def get_current_organization_for(request: HttpRequest, *, need: Role | tuple[Role, ...]) -> Organization:
    """The current organization, for pages that are not about one object
    (team list, stakeholder groups): 404 when the person has none, 403
    without the role there."""
    organization = current_organization(request)
    if organization is None:
        raise Http404
    needed = need if isinstance(need, tuple) else (need,)
    if not current_roles(request).intersection(needed):
        raise PermissionDenied
    return organization


def get_organization_for(user: User, pk: int, *, need: Role | None = None) -> Organization:
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise Http404
    require_role(user=user, organization_id=organization.pk, need=need)
    return organization


def get_team_for(user: User, pk: int, *, need: Role | tuple[Role, ...] = Role.FACILITATOR) -> Team:
    """A team of one of the person's organizations; `need` is a role, or a
    tuple of roles any one of which is enough."""
    return get_team_and_roles_for(user, pk, need=need)[0]


def get_team_and_roles_for(user: User, pk: int, *, need: Role | tuple[Role, ...]) -> tuple[Team, set[str]]:
    """As get_team_for, with the person's roles in the team's organization,
    which need not be the organization they are currently working in."""
    team = Team.objects.select_related("organization").filter(pk=pk).first()
    if team is None:
        raise Http404
    return team, require_role(user=user, organization_id=team.organization_id, need=need)


def get_team_member_for(user: User, team_pk: int, member_pk: int) -> TeamMember:
    """A member of a team the person facilitates; a member of another team answers 404."""
    team = get_team_for(user, team_pk, need=Role.FACILITATOR)
    member = team.members.select_related("user", "stakeholder_group").filter(pk=member_pk).first()
    if member is None:
        raise Http404
    return member


def get_stakeholder_group_for(*, organization: Organization, pk: int) -> StakeholderGroup:
    group = organization.stakeholder_groups.filter(pk=pk).first()
    if group is None:
        raise Http404
    return group


def teams_for(*, organization: Organization) -> QuerySet[Team]:
    return organization.teams.annotate(member_count=Count("members")).order_by("name")


def stakeholder_groups_for(*, organization: Organization) -> QuerySet[StakeholderGroup]:
    return organization.stakeholder_groups.order_by("position", "name")


def stakeholder_groups_with_usage(*, organization: Organization) -> QuerySet[StakeholderGroup]:
    """Each group with how many team members (over all teams) belong to it."""
    return stakeholder_groups_for(organization=organization).annotate(member_count=Count("team_members"))


def stakeholder_groups_with_team_counts(*, team: Team) -> QuerySet[StakeholderGroup]:
    """Every group of the team's organization, with the team's members in it (zero included)."""
    return stakeholder_groups_for(organization=team.organization).annotate(
        member_count=Count("team_members", filter=Q(team_members__team=team))
    )


def team_members_for(*, team: Team) -> QuerySet[TeamMember]:
    return team.members.select_related("user", "stakeholder_group").order_by(Lower("user__name"), "user__email")


def team_member_emails(*, team: Team) -> dict[str, TeamMember]:
    """The team's members by lower-cased e-mail address (one query)."""
    members = team.members.select_related("user", "stakeholder_group").annotate(email_lower=Lower("user__email"))
    return {member.email_lower: member for member in members}
