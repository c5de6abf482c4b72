"""The people pages' mail, rendered and sent by a worker: an account invitation's link, and the notice to
a person given a role at once. Each attempt at one mail shares its Message-ID, so a repeat after a lost
acknowledgement is recognisable by the receiver."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from ..models import AccountInvitation, Membership, Role
from ..selectors import person_name_in
from .selectors import invitation_unusable_reason
from .tokens import hash_token


def account_invitation_send(*, invitation_id: int, token: str, language: str) -> bool:
    """Mails the link, unless the invitation was resent (a newer token), accepted or revoked since it was
    queued. Whether it sent."""
    invitation = AccountInvitation.objects.select_related("organization", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or invitation.token_hash != hash_token(token) or invitation_unusable_reason(invitation):
        return False
    organization = invitation.organization
    with translation.override(language), timezone.override(organization.time_zone):
        context = {
            "organization": organization,
            "role": Role(invitation.role).label,
            "inviter": person_name_in(organization=organization, user=invitation.invited_by)
            if invitation.invited_by
            else "",
            "expires_at": invitation.expires_at,
            "link": _absolute(reverse("convening:account_invitation", args=[token])),
        }
        _send(
            "account_invitation",
            context,
            to=invitation.email,
            message_id=f"account-invitation.{invitation.pk}.{invitation.sent_at:%Y%m%d%H%M%S%f}",
        )
    return True


def role_notice_send(*, membership_id: int) -> bool:
    """Tells a person with an account that they were given a role; nothing if it was taken back since."""
    membership = Membership.objects.select_related("organization", "user").filter(pk=membership_id).first()
    if membership is None:
        return False
    person, organization = membership.user, membership.organization
    with translation.override(person.language):
        context = {
            "organization": organization,
            "role": Role(membership.role).label,
            "person_name": person_name_in(organization=organization, user=person, to_themselves=True),
            "link": _absolute(reverse("login")),
        }
        _send("role_notice", context, to=person.email, message_id=f"role-notice.{membership.pk}")
    return True


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(template: str, context: dict[str, Any], *, to: str, message_id: str) -> None:
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    context = {**context, "site_url": settings.SITE_URL}
    # A subject is plain text: its template turns autoescaping off.
    subject = " ".join(render_to_string(f"convening/people/email/{template}_subject.txt", context).split())
    EmailMessage(
        subject=subject,
        body=render_to_string(f"convening/people/email/{template}.txt", context),
        to=[to],
        headers={"Message-ID": f"<convening.{message_id}@{domain}>"},
    ).send()
