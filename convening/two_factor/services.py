"""Writes of two-factor sign-in.

Checking a code is not rolled back when the code is refused: django-otp records each wrong code on the
device (its throttle doubles the wait before the next one is checked), and that record must outlive the
refusal, or guessing would cost nothing. So the services that check a code do it first, in a transaction of
its own, and make their change in another once the code is accepted."""

from __future__ import annotations

import math
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..audit.services import audit_record
from ..models import AuditKind, Organization, User
from .selectors import organizations_requiring_two_factor_of

RECOVERY_CODE_COUNT = 10
AUDIT_RETENTION_DAYS_MIN = 30
AUDIT_RETENTION_DAYS_MAX = 3650
_TOTP_CODE = re.compile(r"\d{6}")


def normalize_code(code: str) -> str:
    """As typed or pasted: spaces and hyphens (recovery codes are shown in two halves) and letter case aside."""
    return re.sub(r"[\s-]", "", code).lower()


def code_verify(*, user: User, code: str) -> Device:
    """The device that accepts the code: six digits are the authenticator app's, anything else a recovery
    code (used up by being accepted). Refused when wrong, and while the device's wait after wrong codes runs."""
    code = normalize_code(code)
    if _TOTP_CODE.fullmatch(code):
        devices: QuerySet[Device] = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    return _verified(devices, code)


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """A new secret for the person's authenticator app, which counts only once a code from it is confirmed;
    a setup begun earlier and left unfinished is replaced."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(_("Two-factor sign-in is already on. Turn it off first to use another app."))
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


def totp_device_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirms the setup with a code from the app; the device then counts, with new recovery codes
    (returned to be shown once: only they exist to show)."""
    device = _verified(TOTPDevice.objects.filter(user=user, confirmed=False), normalize_code(code))
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_replace(user)
    return device, codes


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """New recovery codes; the old ones stop working."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(_("Turn on two-factor sign-in first."))
    return _recovery_codes_replace(user)


def two_factor_disable(*, user: User, code: str) -> None:
    """Turns two-factor sign-in off, with a current code; refused while an organization the person is a
    facilitator or lead of requires it."""
    required_by = organizations_requiring_two_factor_of(user)
    if required_by:
        raise ValidationError(
            ngettext(
                "%(organizations)s requires two-factor sign-in of its facilitators and leads: it stays on.",
                "%(organizations)s require two-factor sign-in of their facilitators and leads: it stays on.",
                len(required_by),
            )
            % {"organizations": ", ".join(required_by)}
        )
    code_verify(user=user, code=code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def organization_sign_in_security_update(
    *, organization: Organization, by: User, require_two_factor: bool, audit_retention_days: int
) -> Organization:
    """The organization's sign-in security settings. Requiring two-factor sign-in is refused to a facilitator
    who has not turned it on themselves: the requirement would lock them out of their next page."""
    if not AUDIT_RETENTION_DAYS_MIN <= audit_retention_days <= AUDIT_RETENTION_DAYS_MAX:
        raise ValidationError(
            {
                "audit_retention_days": _("Keep the audit trail between %(min)d and %(max)d days.")
                % {"min": AUDIT_RETENTION_DAYS_MIN, "max": AUDIT_RETENTION_DAYS_MAX}
            }
        )
    current = Organization.objects.select_for_update().get(pk=organization.pk)
    if (
        require_two_factor
        and not current.require_two_factor
        and not TOTPDevice.objects.filter(user=by, confirmed=True).exists()
    ):
        raise ValidationError(
            {
                "require_two_factor": _(
                    "Turn on two-factor sign-in for yourself first (Profile → Two-factor sign-in): "
                    "requiring it without would lock you out."
                )
            }
        )
    changes = []
    if require_two_factor != current.require_two_factor:
        changes.append(
            _("two-factor sign-in now required of facilitators and leads")
            if require_two_factor
            else _("two-factor sign-in no longer required")
        )
    if audit_retention_days != current.audit_retention_days:
        changes.append(
            _("audit trail kept %(before)d → %(after)d days")
            % {"before": current.audit_retention_days, "after": audit_retention_days}
        )
    if changes:
        current.require_two_factor = require_two_factor
        current.audit_retention_days = audit_retention_days
        current.save(update_fields=["require_two_factor", "audit_retention_days"])
        audit_record(
            organization=current,
            by=by,
            kind=AuditKind.SETTINGS_CHANGED,
            subject=current,
            summary=_("Sign-in security: %(changes)s") % {"changes": "; ".join(changes)},
        )
    return current


def _verified(devices: QuerySet[Device], code: str) -> Device:
    # Locked while it checks, so two requests cannot both use one code (or one recovery code twice).
    with transaction.atomic():
        device = devices.select_for_update().first()
        if device is None:
            refusal = _wrong_code()
        else:
            allowed, why = device.verify_is_allowed()
            if not allowed:
                refusal = _wait(why or {})
            elif device.verify_token(code):
                return device
            else:
                refusal = _wrong_code()
    raise refusal


def _wrong_code() -> ValidationError:
    return ValidationError(
        {"code": _("That code is not right. Type the 6 digits your app shows now, or one of your recovery codes.")},
        code="wrong",
    )


def _wait(why: dict) -> ValidationError:
    locked_until = why.get("locked_until") or timezone.now()
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    return ValidationError(
        {
            "code": ngettext(
                "Too many wrong codes. Wait %(seconds)d second, then try again.",
                "Too many wrong codes. Wait %(seconds)d seconds, then try again.",
                seconds,
            )
            % {"seconds": seconds}
        },
        code="throttled",
    )


def _recovery_codes_replace(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": _("Recovery codes"), "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _n in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    device.throttle_reset()
    return codes
