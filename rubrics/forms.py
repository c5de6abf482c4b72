from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from . import exchange


class RubricImportForm(forms.Form):
    file = forms.FileField(
        label=_("Rubric file (JSON)"),
        help_text=_("The exchange format of the rubric pages' JSON links; at most 1 MB."),
        widget=forms.FileInput(attrs={"accept": ".json,application/json"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        # The page lists every problem once, above the form.
        self.helper.form_show_errors = False
        self.helper.add_input(Submit("import", _("Import")))

    def clean_file(self) -> dict[str, Any]:
        """The checked content of the file; reads one byte past the limit so
        that an oversized upload is reported without reading all of it."""
        return exchange.parse_exchange(self.cleaned_data["file"].read(exchange.MAX_FILE_BYTES + 1))
