"""The audit trail's filter."""

from __future__ import annotations

from typing import TypedDict, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from convening.models import AuditKind

SCHEDULE = "schedule"


class AuditFilters(TypedDict, total=False):
    round_id: int | None
    actor_email: str | None
    kind: str


class AuditFilterForm(forms.Form):
    round = forms.TypedChoiceField(
        label=gettext_lazy("Round"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    person = forms.ChoiceField(
        label=gettext_lazy("Who"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("What"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )

    def __init__(self, *args, rounds: list[tuple[int, str]], people: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["round"]).choices = [("", _("All rounds")), *rounds]
        cast(forms.ChoiceField, self.fields["person"]).choices = [
            ("", _("Everyone")),
            (SCHEDULE, _("The schedule")),
            *((email, email) for email in people),
        ]
        cast(forms.ChoiceField, self.fields["kind"]).choices = [("", _("Every change")), *AuditKind.choices]

    def filters(self) -> AuditFilters:
        """The selector's arguments; no filter when the form is unbound or refused."""
        if not self.is_bound or not self.is_valid():
            return {}
        person = self.cleaned_data["person"]
        return {
            "round_id": self.cleaned_data["round"],
            # The schedule's events have no one's address: an empty address is what it wrote.
            "actor_email": "" if person == SCHEDULE else (person or None),
            "kind": self.cleaned_data["kind"],
        }
