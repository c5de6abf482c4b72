"""Single sign-on through the deployment's OpenID Connect provider (mozilla-django-oidc), on when
OIDC_RP_CLIENT_ID is set (settings.py; README, "Two-factor sign-in and single sign-on").

Who may come in this way follows the organizations' single sign-on e-mail domains
(`Organization.sign_in_domain`, set by site administrators): the provider's verified address must be in one
of them. The account with that address (in any letter case) is the one signed in; a new address gets an
account with no role, which a facilitator of the organization then gives one (the people page), as they
would to a colleague invited by e-mail: the provider vouches for who the person is, not for what they may do
in Convening. Site administrators' accounts always sign in with their password and second factor.

Sessions begun here are not asked for Convening's second factor (convening/two_factor/middleware.py): the
agency's provider applies its own policy, multi-factor included."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from . import services
from .models import Organization, User

logger = logging.getLogger(__name__)


def organization_for_address(email: str) -> Organization | None:
    """The organization whose single sign-on domain is the address's."""
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return None
    return Organization.objects.annotate(domain=Lower("sign_in_domain")).filter(domain=domain).first()


class AgencySignInBackend(OIDCAuthenticationBackend):
    def verify_claims(self, claims: dict) -> bool:
        email = (claims.get("email") or "").strip()
        if not email:
            return self._refuse(
                _("Your agency’s sign-in did not give an e-mail address, so you cannot sign in this way.")
            )
        if getattr(settings, "OIDC_REQUIRE_EMAIL_VERIFIED", True) and claims.get("email_verified") is not True:
            return self._refuse(
                _("Your agency’s sign-in has not verified your e-mail address, so you cannot sign in this way.")
            )
        if organization_for_address(email) is None:
            return self._refuse(
                _(
                    "Addresses at %(domain)s cannot sign in with an agency account here. "
                    "Sign in with your e-mail address and password instead."
                )
                % {"domain": email.rpartition("@")[2].lower()}
            )
        return True

    def filter_users_by_claims(self, claims: dict) -> QuerySet[User]:
        users = User.objects.filter(email__iexact=(claims.get("email") or "").strip())
        if any(user.is_staff for user in users):
            self._refuse(_("A site administrator signs in with their password and two-factor code."))
            raise SuspiciousOperation("single sign-on refused for a site administrator's account")
        return users

    def create_user(self, claims: dict) -> User:
        name = (claims.get("name") or "").strip()[: User._meta.get_field("name").max_length]
        user, _created = services.person_get_or_create(email=claims["email"], name=name)
        logger.info("single sign-on made an account for a new address at %s", user.email.rpartition("@")[2])
        return user

    def _refuse(self, message: str) -> bool:
        request = getattr(self, "request", None)
        if request is not None:
            messages.error(request, message)
        return False


BACKEND_PATH = f"{AgencySignInBackend.__module__}.{AgencySignInBackend.__qualname__}"
