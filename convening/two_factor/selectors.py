from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import Membership, Organization, Role, User

# The roles that read and change an organization's rounds; stakeholders rating from their links are never asked.
ASKED_ROLES = (Role.FACILITATOR, Role.LEAD)


def _working_memberships() -> QuerySet[Membership]:
    return Membership.objects.filter(user=OuterRef("pk"), role__in=ASKED_ROLES)


def users_with_two_factor_state() -> QuerySet[User]:
    return User.objects.annotate(
        two_factor_device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        two_factor_required=Exists(_working_memberships().filter(organization__require_two_factor=True)),
        two_factor_works=Exists(_working_memberships()),
    )


# A user id no account has, standing for the one asked for in the compiled statement.
_ANY_USER = -2_147_483_648


@cache
def _signed_in_person_statement(vendor: str) -> tuple[str, tuple, int]:
    """`users_with_two_factor_state` for one person, as the ORM compiles it
    for this database, once per process: compiling its three EXISTS costs
    more than running them (1.85 ms against 0.65 ms on PostgreSQL here), and
    every signed-in request reads the person. The place of the id among the
    parameters comes along."""
    sql, params = users_with_two_factor_state().filter(pk=_ANY_USER).query.sql_with_params()
    return sql, tuple(params), params.index(_ANY_USER)


def signed_in_person(user_id: int) -> User | None:
    """The person with their two-factor state (what `two_factor_state` reads), in one query."""
    sql, params, at = _signed_in_person_statement(connection.vendor)
    return next(iter(User.objects.raw(sql, [*params[:at], user_id, *params[at + 1 :]])), None)


@dataclass(frozen=True)
class TwoFactorState:
    has_device: bool
    # A facilitator or lead of an organization that requires it.
    required: bool
    # May set it up: facilitators and leads anywhere, site administrators, and whoever already has it.
    may_use: bool

    @property
    def asked(self) -> bool:
        return self.has_device or self.required


def two_factor_state(user: User) -> TwoFactorState:
    """Read from the person as the password backend loaded them (no query), else in one query."""
    if not hasattr(user, "two_factor_device"):
        user = users_with_two_factor_state().get(pk=user.pk)
    has_device = bool(user.two_factor_device)  # type: ignore[attr-defined]
    works = bool(user.two_factor_works)  # type: ignore[attr-defined]
    return TwoFactorState(
        has_device=has_device,
        required=bool(user.two_factor_required),  # type: ignore[attr-defined]
        may_use=has_device or works or user.is_staff,
    )


def unconfirmed_device_of(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def organizations_requiring_two_factor_of(user: User) -> list[str]:
    """The names of the organizations whose requirement holds this person to two-factor sign-in."""
    return list(
        Organization.objects.filter(require_two_factor=True, memberships__user=user, memberships__role__in=ASKED_ROLES)
        .distinct()
        .values_list("name", flat=True)
    )
