"""The choice of the group to merge another into."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from convening.models import StakeholderGroup


class GroupMergeForm(forms.Form):
    """The queryset (the organization's other groups) is given by the view,
    so no group of another organization is accepted."""

    into = forms.ModelChoiceField(
        label=_("Merge into"),
        queryset=StakeholderGroup.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of the organization’s other groups.")},
    )

    def __init__(self, *args: Any, groups: QuerySet[StakeholderGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = groups  # type: ignore[attr-defined]  # a ModelChoiceField
