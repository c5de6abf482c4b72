"""A Spanish-speaking family rates on a 320 px phone (issue 15): from the
e-mail's personal link, in a Spanish browser, every rubric text is Spanish
(the project's translation, marked as such), one descriptor's English
original opens with a tap, every key action is answered and the ratings are
submitted; axe finds no serious violation in Spanish, with the original
open too. No English rubric text is on screen at any step but the one
opened on purpose."""

import importlib
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.invitations.selectors import invitation_link_path
from assessments.models import Response
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, invite
from convening.tests.factories import TeamFactory, UserFactory
from rubrics.models import Rubric, RubricTranslation
from tests.browser.conftest import ARTIFACTS, console_key, report_key
from tests.browser.support import assert_accessible

pytestmark = pytest.mark.browser

WIDTH = 320
MARK = "Traducción de Convening; el original está en inglés"


@pytest.fixture
def lbc_spanish(lbc_rubrics):
    """The LbC rubrics with their Spanish, which the flush after an earlier
    browser test may have removed with them (see conftest.py)."""
    from django.apps import apps

    if not RubricTranslation.objects.filter(rubric__organization__isnull=True, language="es").exists():
        importlib.import_module("rubrics.migrations.0004_load_lbc_spanish").load(apps, schema_editor=None)
    return lbc_rubrics


@pytest.fixture
def invitation(lbc_spanish, org):
    round_ = RoundFactory(team=TeamFactory(organization=org, name="Equipo SSIP"))
    round_open(round=round_)
    # Invited by an English-speaking facilitator: the account says English until the family uses it.
    family = UserFactory(name="Familia Ramírez", language="en")
    (invitation,) = invite(round_, family)
    return invitation


def english_texts() -> set[str]:
    """Every rubric text of the round's originals that its Spanish does not
    share (proper names such as the source's title are the same in both)."""
    texts: set[str] = set()
    for rubric in Rubric.objects.filter(organization__isnull=True).prefetch_related(
        "levels", "key_actions__descriptors", "translations"
    ):
        spanish = next(t.texts for t in rubric.translations.all() if t.language == "es")
        shared = {spanish["title"], spanish["source"], spanish["row_heading"]}
        texts |= {rubric.title, *(level.name for level in rubric.levels.all())}
        texts |= {level.summary for level in rubric.levels.all() if level.summary}
        for key_action in rubric.key_actions.all():
            texts.add(key_action.title)
            texts |= {descriptor.text for descriptor in key_action.descriptors.all()}
        texts -= shared
    return texts


@pytest.fixture
def phone(browser, request):
    """A 320 px phone whose browser asks for Spanish."""
    context = browser.new_context(locale="es-ES", viewport={"width": WIDTH, "height": 740})
    tab = context.new_page()
    console = request.node.stash.setdefault(console_key, [])
    tab.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    tab.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    yield tab
    report = request.node.stash.get(report_key, {}).get("call")
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        tab.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    context.close()


def assert_no_english_on_screen(tab, english: set[str], where: str) -> None:
    # inner_text is what is rendered: a closed <details> and the key actions hidden on a phone are not.
    shown = tab.locator("main").inner_text()
    found = sorted(text for text in english if text in shown)
    assert not found, f"English on screen at {where}: {found[:3]}"


def test_a_spanish_family_rates_on_a_phone_entirely_in_spanish(phone, live_server, invitation):
    english = english_texts()
    tab = phone
    tab.goto(live_server.url + invitation_link_path(invitation))
    expect(tab).to_have_url(re.compile(re.escape(reverse("assessments:rate", args=[invitation.round_id]))))
    expect(tab.locator("html")).to_have_attribute("lang", "es")
    expect(tab.locator("main")).to_contain_text(MARK)
    spanish_titles = [
        next(t.texts["title"] for t in rubric.translations.all() if t.language == "es")
        for rubric in invitation.round.rubrics.order_by("round_rubrics__position")
    ]
    assert tab.locator("form section > h2").all_text_contents() == spanish_titles

    fieldsets = tab.locator("fieldset.key-action")
    ids = fieldsets.evaluate_all("(sets) => sets.map((set) => set.id)")
    assert len(ids) == 9
    step_nav = tab.locator("#step-nav")
    next_ = step_nav.get_by_role("button", name="Siguiente", exact=True)
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_no_english_on_screen(tab, english, "the first key action")
    assert_accessible(tab, context="Spanish rating page at 320 px")

    # One tap opens a descriptor's English original, marked as English.
    first = tab.locator(f"#{ids[0]}")
    original = first.locator("details.original-text").nth(1)
    summary = original.locator("summary")
    expect(summary).to_contain_text("Original en inglés")
    box = summary.bounding_box()
    assert box is not None and box["height"] >= 44
    summary.click()
    english_text = original.locator("p[lang=en]")
    expect(english_text).to_be_visible()
    opened = english_text.inner_text()
    assert any(text in opened for text in english), opened
    assert_accessible(tab, context="Spanish rating page at 320 px, a descriptor's original open")
    summary.click()  # closed again: the English is gone from the screen
    expect(english_text).to_be_hidden()

    for index, fieldset_id in enumerate(ids):
        expect(tab.locator("fieldset.key-action:visible")).to_have_count(1)
        expect(tab.locator(f"#{fieldset_id}")).to_be_visible()
        assert_no_english_on_screen(tab, english, f"key action {index + 1}")
        label = tab.locator(f"#{fieldset_id} .level-option label").nth(index % 5)  # the fifth: "No estoy seguro/a"
        label_box = label.bounding_box()
        assert label_box is not None
        label.click(position={"x": label_box["width"] - 8, "y": label_box["height"] - 8})
        expect(tab.locator(f"#{fieldset_id} .save-status")).to_have_text("Guardado")
        if index < len(ids) - 1:
            next_.click()

    tab.get_by_role("link", name="Todas las acciones clave tienen respuesta: ir a Enviar").click()
    with tab.expect_navigation():
        tab.get_by_role("button", name="Enviar mis calificaciones").click()
    expect(tab.locator(".messages")).to_contain_text("¡Gracias! Sus calificaciones se enviaron.")
    assert_no_english_on_screen(tab, english, "the page after submitting")
    assert Response.objects.get(invitation=invitation).submitted_at is not None
    invitation.user.refresh_from_db()
    assert invitation.user.language == "es"  # the reminders come in Spanish too
