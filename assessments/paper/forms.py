"""The paper pages' forms: one respondent's paper form, and the upload of a file."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import EVIDENCE_MAX_LENGTH
from convening.models import StakeholderGroup
from rubrics.models import KeyAction, Rubric

from .checks import NOT_SURE, RESPONDENT_CODE_MAX_LENGTH, PaperAnswer, whole_number
from .parsing import PaperRow, check_size, decode_upload, parse_csv


def level_field(key_action: KeyAction) -> str:
    """The field names of the rating page, so both pages share one template."""
    return f"ka-{key_action.pk}-level"


def evidence_field(key_action: KeyAction) -> str:
    return f"ka-{key_action.pk}-evidence"


class PaperResponseForm(forms.Form):
    """One respondent's paper form: their code, their group, and for every key
    action of the round a level or "Not sure" and the evidence written."""

    respondent_code = forms.CharField(
        label=gettext_lazy("Respondent code"),
        max_length=RESPONDENT_CODE_MAX_LENGTH,
        help_text=gettext_lazy("The code on the paper form, e.g. P-001. Each code can be entered once per round."),
    )
    stakeholder_group = forms.ModelChoiceField(
        label=gettext_lazy("Stakeholder group"),
        queryset=StakeholderGroup.objects.none(),
        empty_label=gettext_lazy("Choose a group"),
    )

    def __init__(self, *args: Any, rubrics: list[Rubric], groups: QuerySet[StakeholderGroup], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rubrics = rubrics
        cast(forms.ModelChoiceField, self.fields["stakeholder_group"]).queryset = groups
        for rubric in rubrics:
            choices = [(str(level.pk), level.name) for level in rubric.levels.all()] + [(NOT_SURE, _("Not sure"))]
            for key_action in rubric.key_actions.all():
                self.fields[level_field(key_action)] = forms.ChoiceField(
                    label=key_action.title,
                    choices=choices,
                    error_messages={
                        "required": gettext_lazy("Choose a level or “Not sure”."),
                        "invalid_choice": gettext_lazy("Choose one of the levels shown."),
                    },
                )
                self.fields[evidence_field(key_action)] = forms.CharField(
                    label=gettext_lazy("Evidence or comments (optional)"),
                    required=False,
                    max_length=EVIDENCE_MAX_LENGTH,
                )

    def answers(self) -> list[PaperAnswer]:
        answers = []
        for rubric in self.rubrics:
            for key_action in rubric.key_actions.all():
                level = self.cleaned_data[level_field(key_action)]
                answers.append(
                    PaperAnswer(
                        key_action_id=key_action.pk,
                        level_id=None if level == NOT_SURE else int(level),
                        not_sure=level == NOT_SURE,
                        evidence=self.cleaned_data[evidence_field(key_action)],
                    )
                )
        return answers

    def sections(self) -> list[dict]:
        """The rubrics and key actions as the shared fieldset template shows
        them, with what was posted and its errors, so nothing typed is lost."""
        sections = []
        for rubric in self.rubrics:
            items = []
            for key_action in rubric.key_actions.all():
                level = self.data.get(level_field(key_action), "")
                fields = (level_field(key_action), evidence_field(key_action))
                errors = [message for field in fields for message in self.errors.get(field, [])]
                items.append(
                    {
                        "key_action": key_action,
                        "level_id": whole_number(level),
                        "not_sure": level == NOT_SURE,
                        "evidence": self.data.get(evidence_field(key_action), ""),
                        "error": " ".join(str(error) for error in errors),
                    }
                )
            sections.append({"rubric": rubric, "items": items})
        return sections


class PaperUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8 text, at most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> list[PaperRow]:
        upload = self.cleaned_data["file"]
        check_size(upload.size)  # before reading a byte of it
        return parse_csv(decode_upload(upload.read()))
