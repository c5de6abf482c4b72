"""Who may do what. A role is a name for a set of capabilities, and this
module's table is the only place that knows which: every view asks an access
helper for the capability it needs (`get_team_for(user, pk,
need="team.manage")`), every template asks for a capability
(`{% if "round.manage" in capabilities %}`), never for a role.

Every helper answers the same way: another organization's object (or one
that does not exist) 404, so its existence does not leak; a member without
the capability 403.

Adding a role: its `Role` value, its migration, and one row below."""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from .models import AccountInvitation, Membership, Organization, Role, StakeholderGroup, Team, TeamMember, User
from .selectors import organizations_for

Capability = Literal[
    "team.read",  # the organization's teams, their rounds' progress, history and overview
    "team.manage",  # teams, their members, stakeholder groups
    "round.manage",  # create, edit, open, close and reopen rounds; invite; paper ratings; reveal results
    "round.participate",  # is convened to rate (invitations decide which rounds)
    "results.read",  # every figure, the JSON, the files, consensus history and action plans
    "results.comments",  # the comments (evidence) stakeholders wrote
    "plan.edit",  # record consensus, set targets, add and change action steps
    "rubric.manage",  # import the organization's own rubrics
    "audit.read",  # the organization's audit trail: who changed what, when
]

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.FACILITATOR: frozenset(
        {
            "team.read",
            "team.manage",
            "round.manage",
            "results.read",
            "results.comments",
            "plan.edit",
            "rubric.manage",
            "audit.read",
        }
    ),
    Role.LEAD: frozenset({"team.read", "results.read"}),
    Role.STAKEHOLDER: frozenset({"round.participate"}),
}

SESSION_ORGANIZATION_KEY = "organization_id"


def capabilities_of(roles: set[str]) -> frozenset[Capability]:
    """Everything any of the roles may do."""
    return frozenset().union(*(ROLE_CAPABILITIES[role] for role in roles))


def roles_in(*, user: User, organization_id: int) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user, organization_id=organization_id).values_list("role", flat=True))


def member_capabilities(*, user: User, organization_id: int) -> frozenset[Capability] | None:
    """What the person may do in the organization; None when they do not
    belong to it (one query)."""
    roles = roles_in(user=user, organization_id=organization_id)
    return capabilities_of(roles) if roles else None


def require(*, user: User, organization_id: int, need: Capability | None) -> frozenset[Capability]:
    """The person's capabilities in the organization: 404 for non-members,
    403 when `need` is given and missing (None: membership is enough)."""
    capabilities = member_capabilities(user=user, organization_id=organization_id)
    if capabilities is None:
        raise Http404
    if need is not None and need not in capabilities:
        raise PermissionDenied
    return capabilities


def my_organizations(request: HttpRequest) -> list[Organization]:
    """The person's organizations by name, read once per request: the page
    header lists them, and the current organization is one of them."""
    if not request.user.is_authenticated:
        return []
    if not hasattr(request, "_my_organizations"):
        request._my_organizations = list(organizations_for(user=request.user))  # type: ignore[attr-defined]
    return request._my_organizations  # type: ignore[attr-defined]


def current_organization(request: HttpRequest) -> Organization | None:
    """The organization the person is working in: the one chosen in the
    session if they still belong to it, else the first of theirs."""
    organizations = my_organizations(request)
    if not organizations:
        return None
    chosen = request.session.get(SESSION_ORGANIZATION_KEY)
    return next((o for o in organizations if o.pk == chosen), organizations[0])


def current_roles(request: HttpRequest) -> set[str]:
    """The person's roles in the current organization, read once per request
    (shown to them by name; decisions ask `current_capabilities`)."""
    if not hasattr(request, "_current_roles"):
        organization = current_organization(request)
        roles = roles_in(user=request.user, organization_id=organization.pk) if organization else set()  # type: ignore[arg-type]
        request._current_roles = roles  # type: ignore[attr-defined]
    return request._current_roles  # type: ignore[attr-defined]


def current_capabilities(request: HttpRequest) -> frozenset[Capability]:
    return capabilities_of(current_roles(request))


def get_current_organization_for(request: HttpRequest, *, need: Capability) -> Organization:
    """The current organization, for pages that are not about one object
    (team list, stakeholder groups): 404 when the person has none, 403
    without the capability there."""
    organization = current_organization(request)
    if organization is None:
        raise Http404
    if need not in current_capabilities(request):
        raise PermissionDenied
    return organization


def get_organization_for(user: User, pk: int, *, need: Capability | None = None) -> Organization:
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise Http404
    require(user=user, organization_id=organization.pk, need=need)
    return organization


def get_team_for(user: User, pk: int, *, need: Capability) -> Team:
    """A team of one of the person's organizations."""
    return get_team_with_capabilities_for(user, pk, need=need)[0]


def get_team_with_capabilities_for(user: User, pk: int, *, need: Capability) -> tuple[Team, frozenset[Capability]]:
    """As get_team_for, with what the person may do in the team's
    organization, which need not be the organization they are working in."""
    team = Team.objects.select_related("organization").filter(pk=pk).first()
    if team is None:
        raise Http404
    return team, require(user=user, organization_id=team.organization_id, need=need)


def get_team_member_for(user: User, team_pk: int, member_pk: int) -> TeamMember:
    """A member of a team the person manages; a member of another team answers 404."""
    team = get_team_for(user, team_pk, need="team.manage")
    member = team.members.select_related("user", "stakeholder_group").filter(pk=member_pk).first()
    if member is None:
        raise Http404
    return member


def get_stakeholder_group_for(*, organization: Organization, pk: int) -> StakeholderGroup:
    group = organization.stakeholder_groups.filter(pk=pk).first()
    if group is None:
        raise Http404
    return group


def get_stakeholder_group_of_user_for(user: User, pk: int, *, need: Capability) -> StakeholderGroup:
    """A stakeholder group of one of the person's organizations, for pages about that one group."""
    group = StakeholderGroup.objects.select_related("organization").filter(pk=pk).first()
    if group is None:
        raise Http404
    require(user=user, organization_id=group.organization_id, need=need)
    return group


def get_account_invitation_for(user: User, pk: int, *, need: Capability) -> AccountInvitation:
    """An account invitation (a colleague's, to a role) of one of the person's organizations."""
    invitation = AccountInvitation.objects.select_related("organization").filter(pk=pk).first()
    if invitation is None:
        raise Http404
    require(user=user, organization_id=invitation.organization_id, need=need)
    return invitation


def get_member_for(request: HttpRequest, pk: int, *, need: Capability) -> tuple[Organization, User]:
    """A person with a role in the current organization, and that organization: anyone else answers 404."""
    organization = get_current_organization_for(request, need=need)
    person = User.objects.filter(pk=pk, memberships__organization=organization).distinct().first()
    if person is None:
        raise Http404
    return organization, person
