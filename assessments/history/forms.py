"""The overview's filter."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.dates import DATE_VALIDATORS


class OverviewFilterForm(forms.Form):
    rubric = forms.ChoiceField(
        label=gettext_lazy("Rubric"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    closed_from = forms.DateField(
        label=gettext_lazy("Rounds closed from"),
        required=False,
        validators=DATE_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    closed_to = forms.DateField(
        label=gettext_lazy("Rounds closed until"),
        required=False,
        validators=DATE_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )

    def __init__(self, *args, rubric_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["rubric"]).choices = [("", _("All rubrics")), *rubric_choices]

    def clean(self):
        data = super().clean()
        if data.get("closed_from") and data.get("closed_to") and data["closed_to"] < data["closed_from"]:
            self.add_error("closed_to", _("The end of the range must not be before its start."))
        return data
