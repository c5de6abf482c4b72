"""Forms of the consensus and action-plan blocks. They parse and check input
shapes; which level fits which key action is the services' rule."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import EVIDENCE_MAX_LENGTH, ActionStep, StepStatus
from rubrics.models import Level

STEP_DESCRIPTION_MAX_LENGTH = ActionStep._meta.get_field("description").max_length


STEP_OWNER_MAX_LENGTH = ActionStep._meta.get_field("owner").max_length


class LevelChoiceField(forms.ModelChoiceField):
    """Any level by id: the pages render the rubric's levels themselves
    (no query per form), and the service refuses a level of another rubric
    with a message that says so."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Level.objects.all(), **kwargs)


class ConsensusForm(forms.Form):
    level = LevelChoiceField(
        label=_("Agreed level"), error_messages={"required": _("Choose the level the team agreed on.")}
    )
    rationale = forms.CharField(
        label=_("Rationale"), required=False, max_length=EVIDENCE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class TargetForm(forms.Form):
    target_level = LevelChoiceField(
        label=_("Target level"), error_messages={"required": _("Choose the level the team aims for.")}
    )


class StepStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=StepStatus.choices)


class ActionStepForm(StepStatusForm):
    description = forms.CharField(label=_("Step"), max_length=STEP_DESCRIPTION_MAX_LENGTH)
    owner = forms.CharField(label=_("Owner"), max_length=STEP_OWNER_MAX_LENGTH, required=False)
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the due date as a date, e.g. 2027-06-30.")},
    )

    field_order = ["description", "owner", "due_date", "status"]
