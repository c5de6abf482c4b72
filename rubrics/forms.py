from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext
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


class RubricTranslationForm(forms.Form):
    """Every text of one rubric version in one language, each field beside
    the original it translates (`rows`). A text the original leaves empty
    has no field: it stays empty. The service checks the whole as an import
    would; this form only gathers it (`translation`)."""

    def __init__(self, *args: Any, original: dict[str, Any], texts: dict[str, Any] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        texts = texts or {}
        self.original = original
        # (field name, label, original text): the page shows them in this order.
        self.rows: list[tuple[str, str, str]] = []
        note_help = _("Whose translation this is, shown with it (for example “Translated by our family liaisons”).")
        self.fields["note"] = forms.CharField(
            label=_("Note"), required=False, max_length=exchange.TITLE_MAX_LENGTH, help_text=note_help
        )
        self.initial["note"] = texts.get("note", "")
        self.rows.append(("note", str(_("Note")), ""))
        labels = {
            "title": _("Title"),
            "source": _("Source"),
            "row_heading": _("Row heading"),
            "row_subheading": _("Row sub-heading"),
        }
        for field, field_label in labels.items():
            self._add(field, str(field_label), original[field], texts.get(field, ""))
        translated_levels = {level["position"]: level for level in texts.get("levels", [])}
        for level in original["levels"]:
            given = translated_levels.get(level["position"], {})
            name = gettext("Level %(position)d: name") % {"position": level["position"]}
            summary = gettext("Level %(position)d: summary") % {"position": level["position"]}
            self._add(f"level-{level['position']}-name", name, level["name"], given.get("name", ""))
            self._add(f"level-{level['position']}-summary", summary, level["summary"], given.get("summary", ""))
        translated_rows = {row["position"]: row for row in texts.get("key_actions", [])}
        for row in original["key_actions"]:
            given = translated_rows.get(row["position"], {})
            position = row["position"]
            self._add(
                f"ka-{position}-title",
                gettext("Key action %(position)d: title") % {"position": position},
                row["title"],
                given.get("title", ""),
            )
            descriptors = given.get("descriptors", [""] * len(row["descriptors"]))
            for level, text, translated in zip(original["levels"], row["descriptors"], descriptors, strict=True):
                descriptor_label = gettext("Key action %(position)d at “%(level)s”") % {
                    "position": position,
                    "level": level["name"],
                }
                self._add(f"ka-{position}-d-{level['position']}", descriptor_label, text, translated, long=True)

    def _add(self, name: str, label: str, original: str, initial: str, *, long: bool = False) -> None:
        if not original:
            return
        max_length = exchange.DESCRIPTOR_MAX_LENGTH if long else exchange.TITLE_MAX_LENGTH
        # The original is read out with its field, as the text to translate.
        described = {"aria-describedby": f"id_{name}_original"}
        widget = forms.Textarea(attrs={"rows": 3, **described}) if long else forms.TextInput(attrs=described)
        self.fields[name] = forms.CharField(label=label, max_length=max_length, widget=widget)
        self.initial[name] = initial
        self.rows.append((name, label, original))

    def side_by_side(self) -> list[tuple[forms.BoundField, str]]:
        """Each field with the original it translates ("" for the note)."""
        return [(self[name], original) for name, _label, original in self.rows]

    def translation(self) -> dict[str, Any]:
        """The cleaned fields in the exchange format's translation structure."""
        data = self.cleaned_data

        def text(name: str) -> str:
            return str(data.get(name, "")).strip()

        return {
            "note": text("note"),
            **{field: text(field) for field in ("title", "source", "row_heading", "row_subheading")},
            "levels": [
                {
                    "position": level["position"],
                    "name": text(f"level-{level['position']}-name"),
                    "summary": text(f"level-{level['position']}-summary"),
                }
                for level in self.original["levels"]
            ],
            "key_actions": [
                {
                    "position": row["position"],
                    "title": text(f"ka-{row['position']}-title"),
                    "descriptors": [
                        text(f"ka-{row['position']}-d-{level['position']}") for level in self.original["levels"]
                    ],
                }
                for row in self.original["key_actions"]
            ],
        }
