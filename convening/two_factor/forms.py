from django import forms
from django.utils.translation import gettext_lazy as _

from .services import AUDIT_RETENTION_DAYS_MAX, AUDIT_RETENTION_DAYS_MIN


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


class SignInSecurityForm(forms.Form):
    require_two_factor = forms.BooleanField(
        label=_("Require two-factor sign-in"),
        required=False,
        help_text=_(
            "Facilitators and leads must then sign in with a code from an authenticator app too; "
            "those who have not set one up are asked to at their next page. "
            "Stakeholders rating from their links are never asked."
        ),
    )
    audit_retention_days = forms.IntegerField(
        label=_("Keep the audit trail for (days)"),
        min_value=AUDIT_RETENTION_DAYS_MIN,
        max_value=AUDIT_RETENTION_DAYS_MAX,
        help_text=_("Between 30 days and 10 years (3650 days). Older events are deleted every night."),
    )
