"""Spanish ships beside English: every string marked for translation in the
code has a Spanish translation, and the compiled catalogue matches it."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

BASE_DIR = Path(settings.BASE_DIR)
PO_PATH = BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"
SOURCE_DIRS = ["convening", "rubrics", "assessments", "templates"]


def test_spanish_catalogue_is_complete_and_current():
    catalogue = polib.pofile(str(PO_PATH))
    untranslated = [entry.msgid for entry in catalogue if not entry.translated() and not entry.obsolete]
    assert untranslated == [], f"{len(untranslated)} strings lack a Spanish translation: {untranslated[:20]}"


def test_every_plural_has_each_form_the_catalogue_declares():
    """A form missing falls back to English for the numbers it covers (in
    this catalogue's three forms, the third is every count but 1 and the
    millions: "7 ratings" was English on a Spanish phone)."""
    catalogue = polib.pofile(str(PO_PATH))
    forms = int(catalogue.metadata["Plural-Forms"].split("nplurals=")[1].split(";")[0])
    lacking = [
        entry.msgid
        for entry in catalogue
        if entry.msgid_plural and not entry.obsolete and not all(entry.msgstr_plural.get(i) for i in range(forms))
    ]
    assert lacking == [], f"{len(lacking)} plurals lack a form: {lacking}"


def test_every_marked_string_is_in_the_catalogue(tmp_path):
    """Extracts the strings from a copy of the sources (so the working tree is
    never touched) and checks each one has an entry in the committed .po."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is needed to extract strings: `apt-get install gettext`.")
    for name in [*SOURCE_DIRS, "manage.py"]:
        source = BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "tests"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "es", "--no-location", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={"DEBUG": "true", "PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "convening.settings"},
    )
    extracted = {entry.msgid for entry in polib.pofile(str(tmp_path / "locale" / "es" / "LC_MESSAGES" / "django.po"))}
    committed = {entry.msgid for entry in polib.pofile(str(PO_PATH)) if not entry.obsolete}
    missing = sorted(extracted - committed)
    assert missing == [], f"Run `make messages` and translate: {missing[:20]}"


def test_compiled_catalogue_matches_the_po_file():
    po = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in polib.pofile(str(PO_PATH))}
    mo = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.mofile(str(PO_PATH.with_suffix(".mo")))
    }
    stale = {key for key in po if po[key] != mo.get(key)}
    assert not stale, f"locale .mo is stale for {len(stale)} strings: run `make messages`"


def test_spanish_is_served():
    with translation.override("es"):
        assert translation.gettext("Log in") != "Log in"
