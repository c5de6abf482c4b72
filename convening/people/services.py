"""Colleagues and roles: inviting facilitators and leads by e-mail (account invitations), accepting an
invitation, giving and taking roles, removing a person from an organization, and starting an organization
with its first facilitator.

Every change locks the organization's row first: two facilitators taking each other's role at the same
moment would otherwise each see the other still there, and leave the organization with none. Each records
its audit event in its own transaction, so a refused change leaves none."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .. import languages, people_csv
from ..audit.services import audit_record
from ..models import (
    AccountInvitation,
    AuditKind,
    Membership,
    Organization,
    PersonName,
    Role,
    TeamMember,
    User,
)
from ..selectors import administrator_emails
from ..services import organization_create, person_get_or_create
from . import tokens
from .selectors import invitation_unusable_reason
from .tasks import send_account_invitation, send_role_notice

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

INVITABLE_ROLES = (Role.FACILITATOR, Role.LEAD)


class InviteOutcome(enum.StrEnum):
    INVITED = "invited"  # a new invitation was mailed
    RESENT = "resent"  # the pending one was mailed again, with a new link
    ADDED = "added"  # the person had an account with a password: given the role at once, and told


@dataclass(frozen=True)
class InviteResult:
    outcome: InviteOutcome
    email: str
    role: str
    invitation: AccountInvitation | None


class InvitationUnusable(Exception):
    """The link can no longer be used; `reason` is one of selectors.UNUSABLE_REASONS."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@transaction.atomic
def account_invite(*, organization: Organization, email: str, role: str, by: User | None) -> InviteResult:
    """Invites the address to the role. A pending invitation for it is sent again instead; a person who
    has an account with a password is given the role at once (and told by mail); a person holding the role
    already is refused. A site administrator's address is refused, as on teams: an organization does not
    hold a role of, or mail, the one account that can do everything."""
    email = _email(email)
    if administrator_emails([email]):
        raise _field_error("email", _("A site administrator’s account cannot be invited: use another address."))
    return _invite(organization=organization, email=email, role=role, by=by)


def _invite(*, organization: Organization, email: str, role: str, by: User | None) -> InviteResult:
    if role not in INVITABLE_ROLES:
        raise _field_error("role", _("Colleagues are invited as facilitators or leads."))
    _lock(organization)
    person = User.objects.filter(email__iexact=email).first()
    if person is not None and Membership.objects.filter(organization=organization, user=person, role=role).exists():
        raise _field_error(
            "email",
            _("%(email)s already has the role “%(role)s” in %(organization)s: nothing was changed."),
            email=email,
            role=Role(role).label,
            organization=organization.name,
        )
    if person is not None and person.has_usable_password():
        membership = Membership.objects.create(organization=organization, user=person, role=role)
        _role_event(organization=organization, by=by, person=person, kind=AuditKind.ROLE_GRANTED, role=role)
        send_role_notice.delay_on_commit(membership.pk)
        return InviteResult(InviteOutcome.ADDED, email, role, None)
    pending = _pending(organization).filter(email__iexact=email, role=role).select_for_update().first()
    if pending is not None:
        _send(pending, by=by)
        return InviteResult(InviteOutcome.RESENT, email, role, pending)
    invitation = AccountInvitation(organization=organization, email=email, role=role, invited_by=by)
    _send(invitation, by=by)
    return InviteResult(InviteOutcome.INVITED, email, role, invitation)


@transaction.atomic
def account_invitation_resend(*, invitation: AccountInvitation, by: User | None) -> AccountInvitation:
    """A new link (the old one stops working) and a new expiry, mailed again."""
    invitation = _locked_pending(invitation)
    _send(invitation, by=by)
    return invitation


@transaction.atomic
def account_invitation_revoke(*, invitation: AccountInvitation, by: User | None) -> AccountInvitation:
    invitation = _locked_pending(invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        organization=invitation.organization_id,
        by=by,
        kind=AuditKind.MEMBER_INVITATION_REVOKED,
        subject=invitation,
        summary=f"{invitation.email} · {invitation.get_role_display()}",
    )
    return invitation


def _send(invitation: AccountInvitation, *, by: User | None) -> None:
    """Saves the invitation with a new token and expiry, records it, and mails the link after the commit.
    The token travels to the worker as the task's argument (only its hash is stored, so no one can rebuild
    the link later); the worker sends nothing if the invitation has moved on meanwhile."""
    resent = invitation.pk is not None
    token, invitation.token_hash = tokens.new_token()
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + timedelta(days=settings.ACCOUNT_INVITATION_DAYS)
    if resent:
        invitation.invited_by = by or invitation.invited_by
        invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "invited_by"])
    else:
        invitation.save()
    audit_record(
        organization=invitation.organization_id,
        by=by,
        kind=AuditKind.MEMBER_INVITATION_RESENT if resent else AuditKind.MEMBER_INVITED,
        subject=invitation,
        summary=f"{invitation.email} · {invitation.get_role_display()}",
    )
    account = User.objects.filter(email__iexact=invitation.email).first()
    language = account.language if account is not None else languages.current()
    send_account_invitation.delay_on_commit(invitation.pk, token, language)


@transaction.atomic
def account_invitation_accept(*, invitation: AccountInvitation, user: User) -> Membership:
    """The signed-in person takes the invitation: it must be theirs (the address it was sent to, in any case)."""
    invitation = _locked_acceptable(invitation)
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _("This invitation was sent to another e-mail address than yours (%(email)s)."),
            code="not_yours",
            params={"email": user.email},
        )
    return _accept(invitation, user)


@transaction.atomic
def account_invitation_accept_with_password(
    *, invitation: AccountInvitation, name: str, password: str
) -> tuple[User, Membership]:
    """For an address with no account, or an account with no password yet (a stakeholder who rated from
    personal links): sets the person's own name and password, then accepts. An account with a password
    signs in instead, so that a link alone never replaces anyone's password."""
    invitation = _locked_acceptable(invitation)
    name = " ".join(name.split())
    if not name:
        raise _field_error("name", _("A name is required."))
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is not None and user.has_usable_password():
        raise ValidationError(_("This address has an account already: sign in to accept."), code="sign_in")
    if user is None:
        user, _created = person_get_or_create(email=invitation.email)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password1": error.error_list}) from None
    user.name = name[: User._meta.get_field("name").max_length]
    user.set_password(password)
    user.save(update_fields=["name", "password"])
    # The name was typed to join this organization: it knows them by it (unless it had typed one itself).
    PersonName.objects.get_or_create(
        organization_id=invitation.organization_id, user=user, defaults={"name": user.name}
    )
    return user, _accept(invitation, user)


def _accept(invitation: AccountInvitation, user: User) -> Membership:
    membership, _created = Membership.objects.get_or_create(
        organization_id=invitation.organization_id, user=user, role=invitation.role
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        organization=invitation.organization_id,
        by=user,
        kind=AuditKind.MEMBER_JOINED,
        subject=invitation,
        summary=f"{invitation.email} · {invitation.get_role_display()}",
    )
    return membership


@transaction.atomic
def member_roles_set(*, organization: Organization, person: User, roles: Iterable[str], by: User | None) -> bool:
    """Gives and takes roles so that the person holds exactly `roles`; whether anything changed. Refused:
    no role at all (that is removing them from the organization), taking the organization's last
    facilitator's role, and taking the stakeholder role of someone on the organization's teams (a team
    member is its organization's stakeholder)."""
    wanted = set(roles)
    if not wanted <= set(Role.values):
        raise _field_error("roles", _("Choose among the roles shown."))
    if not wanted:
        raise _field_error("roles", _("Keep at least one role. To take every role, remove the person instead."))
    _lock(organization)
    held = _roles_of(organization, person)
    if not held:
        raise ValidationError(_("This person has no role in the organization any more."), code="not_member")
    taken = held - wanted
    if Role.FACILITATOR in taken:
        _check_not_last_facilitator(organization, person)
    if Role.STAKEHOLDER in taken:
        teams = TeamMember.objects.filter(team__organization=organization, user=person).count()
        if teams:
            raise _field_error(
                "roles",
                ngettext_lazy(
                    "They are on %(count)d team, which makes them a stakeholder: take them off it first.",
                    "They are on %(count)d teams, which makes them a stakeholder: take them off those first.",
                    "count",
                ),
                count=teams,
            )
    Membership.objects.filter(organization=organization, user=person, role__in=taken).delete()
    Membership.objects.bulk_create(
        Membership(organization=organization, user=person, role=role) for role in wanted - held
    )
    for role in sorted(wanted - held):
        _role_event(organization=organization, by=by, person=person, kind=AuditKind.ROLE_GRANTED, role=role)
    for role in sorted(taken):
        _role_event(organization=organization, by=by, person=person, kind=AuditKind.ROLE_REMOVED, role=role)
    return bool(taken or wanted - held)


@transaction.atomic
def member_remove(*, organization: Organization, person: User, by: User | None) -> None:
    """Takes the person out of the organization: their roles, their places on its teams, the name it knew
    them by, and its pending invitations to their address go. What they rated stays, as anonymous
    responses: a response belongs to its round's invitation, which is kept (see selectors.removal_effects)."""
    _lock(organization)
    held = _roles_of(organization, person)
    if not held:
        raise ValidationError(_("This person has no role in the organization any more."), code="not_member")
    if Role.FACILITATOR in held:
        _check_not_last_facilitator(organization, person)
    TeamMember.objects.filter(team__organization=organization, user=person).delete()
    PersonName.objects.filter(organization=organization, user=person).delete()
    _pending(organization).filter(email__iexact=person.email).update(revoked_at=timezone.now())
    Membership.objects.filter(organization=organization, user=person).delete()
    audit_record(
        organization=organization,
        by=by,
        kind=AuditKind.MEMBER_REMOVED,
        subject=person,
        subject_type="person",
        summary=f"{person.email} · {', '.join(str(Role(role).label) for role in sorted(held))}",
    )


@transaction.atomic
def organization_start(
    *, name: str, time_zone: str, facilitator_email: str, sign_in_domain: str = "", by: User | None = None
) -> tuple[Organization, InviteResult]:
    """A new organization (with the default stakeholder groups) and its first facilitator, invited to set
    a password, or given the role at once if their account has one. For site administrators
    (create_organization, the admin), who may name any address, their own included."""
    email = _email(facilitator_email)
    domain = _sign_in_domain(sign_in_domain)
    organization = organization_create(name=name, time_zone=time_zone)
    if domain:
        organization.sign_in_domain = domain
        organization.save(update_fields=["sign_in_domain"])
    return organization, _invite(organization=organization, email=email, role=Role.FACILITATOR, by=by)


def _sign_in_domain(value: str) -> str:
    domain = value.strip().lower().removeprefix("@")
    if not domain:
        return ""
    try:
        DomainNameValidator(accept_idna=False)(domain)
    except ValidationError:
        raise _field_error("sign_in_domain", _("“%(domain)s” is not an e-mail domain."), domain=value) from None
    if Organization.objects.filter(sign_in_domain__iexact=domain).exists():
        raise _field_error(
            "sign_in_domain", _("Another organization signs in people of “%(domain)s” already."), domain=domain
        )
    return domain


def _check_not_last_facilitator(organization: Organization, person: User) -> None:
    others = Membership.objects.filter(organization=organization, role=Role.FACILITATOR).exclude(user=person)
    if not others.exists():
        raise ValidationError(
            _(
                "%(organization)s must keep a facilitator, and this is its only one."
                " Give another person the facilitator role first."
            ),
            code="last_facilitator",
            params={"organization": organization.name},
        )


def _role_event(*, organization: Organization, by: User | None, person: User, kind: AuditKind, role: str) -> None:
    audit_record(
        organization=organization,
        by=by,
        kind=kind,
        subject=person,
        subject_type="person",
        summary=f"{person.email} · {Role(role).label}",
    )


def _roles_of(organization: Organization, person: User) -> set[str]:
    return set(Membership.objects.filter(organization=organization, user=person).values_list("role", flat=True))


def _lock(organization: Organization) -> None:
    Organization.objects.select_for_update().filter(pk=organization.pk).first()


def _pending(organization: Organization) -> QuerySet[AccountInvitation]:
    return organization.account_invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)


def _locked_pending(invitation: AccountInvitation) -> AccountInvitation:
    """The invitation re-read under its organization's lock: refused once accepted or revoked."""
    _lock(invitation.organization)
    invitation = AccountInvitation.objects.select_related("organization").get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("%(email)s accepted this invitation already."), params={"email": invitation.email})
    if invitation.revoked_at is not None:
        raise ValidationError(_("This invitation was revoked already."))
    return invitation


def _locked_acceptable(invitation: AccountInvitation, now: datetime | None = None) -> AccountInvitation:
    """The invitation re-read under its organization's lock, still usable by the link it was read by (a
    resend meanwhile made a new one)."""
    _lock(invitation.organization)
    fresh = AccountInvitation.objects.select_related("organization").get(pk=invitation.pk)
    reason = "unknown" if fresh.token_hash != invitation.token_hash else invitation_unusable_reason(fresh, now=now)
    if reason:
        raise InvitationUnusable(reason)
    return fresh


def _email(value: str) -> str:
    try:
        return people_csv.normalize_email(value)
    except ValidationError as error:
        raise ValidationError({"email": error.error_list}) from None


def _field_error(field: str, message: StrOrPromise, **params: object) -> ValidationError:
    return ValidationError({field: ValidationError(message, params=params)})
