from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import Organization, Role, User
from .services import INVITABLE_ROLES


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(role.value, role.label) for role in INVITABLE_ROLES],
        initial=Role.LEAD,
        widget=forms.RadioSelect,
        help_text=_("Facilitators run rounds and manage teams and people; leads read teams and results."),
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class OrganizationStartForm(forms.Form):
    """Starting an organization with its first facilitator (the admin's form; create_organization's
    arguments are the same)."""

    name = forms.CharField(label=_("Name"), max_length=Organization._meta.get_field("name").max_length)
    time_zone = forms.CharField(
        label=_("Time zone"), max_length=64, initial="UTC", help_text=_("For example America/Chicago.")
    )
    facilitator_email = forms.EmailField(label=_("First facilitator’s e-mail address"), max_length=254)
    sign_in_domain = forms.CharField(
        label=_("Single sign-on e-mail domain"),
        max_length=253,
        required=False,
        help_text=_("Optional: people of this domain may sign in through the deployment’s OpenID Connect provider."),
    )


class AcceptWithPasswordForm(forms.Form):
    """The invitee's own name and a new password, checked by the site's password validators (in the
    service, which also checks them, beside `password1`)."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=User._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", ValidationError(_("The two passwords differ."), code="password_mismatch"))
        return data
