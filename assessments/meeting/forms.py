"""Forms of the meeting's pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.planning.forms import STEP_DESCRIPTION_MAX_LENGTH, STEP_OWNER_MAX_LENGTH, ConsensusForm
from convening.models import StakeholderGroup


class JoinForm(forms.Form):
    code = forms.CharField(
        label=_("Meeting code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": _("Type the code shown on the screen.")},
    )


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("The e-mail address you were invited at"),
        error_messages={"required": _("Type your e-mail address."), "invalid": _("Type a whole e-mail address.")},
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The code from the e-mail"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"required": _("Type the six digits from the e-mail.")},
    )


class WalkInForm(forms.Form):
    group: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("I am here as"),
        queryset=StakeholderGroup.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose the group you are here for.")},
    )

    def __init__(self, *args, groups, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]


class MeetingConsensusForm(ConsensusForm):
    step = forms.CharField(label=_("First step (optional)"), required=False, max_length=STEP_DESCRIPTION_MAX_LENGTH)
    owner = forms.CharField(label=_("Owner of the step"), required=False, max_length=STEP_OWNER_MAX_LENGTH)

    def __init__(self, *args, levels, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.levels = levels
