"""Reads that hold access rules. Every view reaches a tenant-owned object
through one of the `get_*_for` helpers: another organization's object answers
404 (its existence does not leak), a member without the needed role 403."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest

from .models import Membership, Organization, Role, StakeholderGroup, Team, User

SESSION_ORGANIZATION_KEY = "organization_id"


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


def require_role(*, user: User, organization_id: int, need: Role | None) -> set[str]:
    """The person's roles in the organization; 404 for non-members, 403 when
    `need` is given and missing."""
    roles = roles_in(user=user, organization_id=organization_id)
    if not roles:
        raise Http404
    if need is not None and need not in roles:
        raise PermissionDenied
    return roles


def organizations_for(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).distinct().order_by("name")


def current_organization(request: HttpRequest) -> Organization | None:
    """The organization the person is working in: the one chosen in the
    session if they still belong to it, else the first of theirs."""
    if not request.user.is_authenticated:
        return None
    organizations = organizations_for(user=request.user)
    chosen = request.session.get(SESSION_ORGANIZATION_KEY)
    if chosen is not None:
        organization = organizations.filter(pk=chosen).first()
        if organization is not None:
            return organization
    return organizations.first()


def get_organization_for(user: User, pk: int, *, need: Role | None = None) -> Organization:
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise Http404
    require_role(user=user, organization_id=organization.pk, need=need)
    return organization


def get_team_for(user: User, pk: int, *, need: Role | tuple[Role, ...] = Role.FACILITATOR) -> Team:
    """A team of one of the person's organizations; `need` is a role, or a
    tuple of roles any one of which is enough."""
    team = Team.objects.select_related("organization").filter(pk=pk).first()
    if team is None:
        raise Http404
    roles = require_role(user=user, organization_id=team.organization_id, need=None)
    needed = need if isinstance(need, tuple) else (need,)
    if not roles.intersection(needed):
        raise PermissionDenied
    return team


def teams_for(*, organization: Organization) -> QuerySet[Team]:
    return organization.teams.annotate(member_count=Count("members")).order_by("name")


def stakeholder_groups_for(*, organization: Organization) -> QuerySet[StakeholderGroup]:
    return organization.stakeholder_groups.order_by("position", "name")
