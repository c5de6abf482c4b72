from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from . import people_csv
from .models import StakeholderGroup, Team, User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "language"]
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "name"})}


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=Team._meta.get_field("name").max_length)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=Team._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The issue the team is convened around, for example “State Systemic Improvement Plan”."),
    )


class StakeholderGroupForm(forms.Form):
    """The name in the site's original language, and one optional field per
    other language (`name_es`, …), made from settings.LANGUAGES."""

    name = forms.CharField(label=_("Name"), max_length=StakeholderGroup._meta.get_field("name").max_length)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in other_languages():
            self.fields[f"name_{code}"] = forms.CharField(
                label=_("Name in %(language)s") % {"language": label},
                max_length=StakeholderGroup._meta.get_field("name").max_length,
                required=False,
                help_text=_("Lists and imports in that language may name the group so; pages in it show it so."),
            )

    def names(self) -> dict[str, str]:
        """The other languages' names typed, by language code."""
        return {code: self.cleaned_data.get(f"name_{code}", "") for code, _label in other_languages()}


def other_languages() -> list[tuple[str, StrOrPromise]]:
    """The site's languages other than the original one, as (code, name)."""
    return [(code, label) for code, label in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


class StakeholderGroupChoiceForm(forms.Form):
    """A stakeholder group of one organization; the queryset is given by the view."""

    stakeholder_group = forms.ModelChoiceField(label=_("Stakeholder group"), queryset=StakeholderGroup.objects.none())

    def __init__(self, *args: Any, groups: QuerySet[StakeholderGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["stakeholder_group"]).queryset = groups


class PasswordResetForm(DjangoPasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django says "Email"; every other form here says "E-mail address".
        self.fields["email"].label = _("E-mail address")


class TeamMemberAddForm(StakeholderGroupChoiceForm):
    # Another person's details: the browser must not offer the facilitator's own.
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=people_csv.NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=people_csv.EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    field_order = ["name", "email", "stakeholder_group"]


class TeamMembersImportForm(forms.Form):
    text = forms.CharField(
        label=_("Paste the list"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=_(
            "One person per line: name, e-mail address, stakeholder group — separated by commas, "
            "semicolons or tabs (as pasted from a spreadsheet)."
        ),
    )
    file = forms.FileField(
        label=_("Or upload a CSV file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
        help_text=_("UTF-8 text, with the columns name, email, group; a header row is optional."),
    )

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        text, upload = cleaned.get("text", ""), cleaned.get("file")
        if not text.strip() and not upload:
            raise ValidationError(_("Paste a list or choose a file."), code="required")
        if text.strip() and upload:
            raise ValidationError(_("Either paste a list or choose a file, not both."), code="one_source")
        if upload:
            # One byte more than allowed is enough to refuse an over-size file without reading it whole.
            text = people_csv.decode_upload(upload.read(people_csv.MAX_BYTES + 1))
        cleaned["rows"] = people_csv.parse(text)
        cleaned["source"] = text
        return cleaned


class TeamMembersConfirmForm(forms.Form):
    """The confirm step of an import: the signed rows of the preview."""

    payload = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team

    def clean_payload(self) -> list[people_csv.PersonRow]:
        return people_csv.rows_unsign(team=self.team, token=self.cleaned_data["payload"])
