"""Reads of the people page: who has a role in an organization, their invitations, and what removing one
of them would change. Callers pass an organization they reached through `convening.access`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from ..models import AccountInvitation, Membership, Organization, Role, TeamMember, User
from ..selectors import known_name
from .tokens import hash_token

PEOPLE_PER_PAGE = 100

# Why a link can no longer be used: "unknown" covers a link made before a resend (only the newest link's
# hash is kept) and one that never existed.
UNUSABLE_REASONS = ("unknown", "expired", "accepted", "revoked")


def invitation_unusable_reason(invitation: AccountInvitation, *, now: datetime | None = None) -> str:
    """One of UNUSABLE_REASONS, or "" while the invitation can be accepted."""
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.expires_at <= (now or timezone.now()):
        return "expired"
    return ""


def account_invitation_by_token(token: str) -> AccountInvitation | None:
    return AccountInvitation.objects.select_related("organization").filter(token_hash=hash_token(token)).first()


@dataclass
class PersonRow:
    user: User
    name: str  # as the organization knows them, else ""
    roles: list[str] = field(default_factory=list)  # Role values, in Role's order
    teams: list[str] = field(default_factory=list)

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in self.roles]


def people_page(
    *, organization: Organization, page_number: str | int | None, role: str = ""
) -> tuple[Page, list[PersonRow]]:
    """One page of everyone with a role in the organization (or with `role`), by the name it knows them
    by, each with their roles and its teams they are on: four queries whatever the number of people."""
    memberships = Membership.objects.filter(organization=organization, user=OuterRef("pk"))
    if role:
        memberships = memberships.filter(role=role)
    people = (
        User.objects.filter(Exists(memberships))
        .annotate(known_name=known_name(organization=organization, user="pk"))
        .order_by(Lower("known_name"), "email")
    )
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(page_number)
    rows = {person.pk: PersonRow(user=person, name=person.known_name) for person in page.object_list}
    order = {value: position for position, value in enumerate(Role.values)}
    for user_id, held in Membership.objects.filter(organization=organization, user_id__in=rows).values_list(
        "user_id", "role"
    ):
        rows[user_id].roles.append(held)
    for row in rows.values():
        row.roles.sort(key=order.__getitem__)
    for user_id, team in (
        TeamMember.objects.filter(team__organization=organization, user_id__in=rows)
        .order_by(Lower("team__name"))
        .values_list("user_id", "team__name")
    ):
        rows[user_id].teams.append(team)
    return page, list(rows.values())


def person_in(*, organization: Organization, person: User) -> PersonRow:
    """One person's row, as the people page shows it."""
    held = _roles(organization, person)
    row = PersonRow(
        user=person,
        name=organization.person_names.filter(user=person).values_list("name", flat=True).first() or "",
        roles=[role for role in Role.values if role in held],
    )
    row.teams = list(
        TeamMember.objects.filter(team__organization=organization, user=person)
        .order_by(Lower("team__name"))
        .values_list("team__name", flat=True)
    )
    return row


def pending_account_invitations(*, organization: Organization) -> QuerySet[AccountInvitation]:
    """Invitations neither accepted nor revoked, expired ones included (they can be sent again)."""
    return organization.account_invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True).order_by(
        Lower("email"), "role"
    )


def facilitator_count(*, organization: Organization) -> int:
    return organization.memberships.filter(role=Role.FACILITATOR).count()


@dataclass(frozen=True)
class RemovalEffects:
    """What removing a person from an organization changes, and what it leaves."""

    pending_invitations: int  # account invitations to their address, revoked with them
    submitted_responses: int  # stay in the rounds' results, anonymous
    usable_rating_links: int  # personal links to rate in rounds not closed: not revoked


def removal_effects(*, organization: Organization, person: User) -> RemovalEffects:
    """Rounds' invitations and responses belong to the app above; they are reached by their relations'
    names, without importing it (as `convening.selectors.stakeholder_groups_with_usage` does)."""
    ratings = person.invitations.filter(round__organization=organization).aggregate(
        submitted=Count("pk", filter=Q(response__submitted_at__isnull=False)),
        usable=Count("pk", filter=Q(revoked_at__isnull=True) & ~Q(round__status="closed")),
    )
    return RemovalEffects(
        pending_invitations=pending_account_invitations(organization=organization)
        .filter(email__iexact=person.email)
        .count(),
        submitted_responses=ratings["submitted"],
        usable_rating_links=ratings["usable"],
    )


def _roles(organization: Organization, person: User) -> set[str]:
    return set(Membership.objects.filter(organization=organization, user=person).values_list("role", flat=True))
