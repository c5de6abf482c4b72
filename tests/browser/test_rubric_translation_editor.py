"""A facilitator translates their organization's rubric into Spanish in the
browser (issue 15, item 6): the form shows each original beside its field,
refuses an empty text saying where, saves once complete, and axe finds no
serious violation on it, in Spanish."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from convening.tests.factories import PASSWORD
from rubrics.models import RubricTranslation
from rubrics.tests.factories import rubric_create
from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser


def test_a_facilitator_translates_their_rubric_in_spanish(page, live_server, facilitator, org):
    facilitator.language = "es"
    facilitator.last_login = timezone.now()  # signed in before: the profile's language holds on any browser
    facilitator.save()
    rubric = rubric_create(organization=org, slug="nuestra", levels=2, key_actions=1)
    login(page, live_server, facilitator.email, PASSWORD)
    page.goto(live_server.url + reverse("rubrics:detail", args=[rubric.slug]))
    page.get_by_role("link", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Custom Rubric (versión 1): Español")
    fields = page.locator("form .translation-row input, form .translation-row textarea")
    expect(fields).to_have_count(12)  # the note, 4 headings, 2 levels × 2, a key action's title and 2 descriptors
    expect(page.get_by_label("Acción clave 1 en “Level 2”")).to_have_accessible_description("Key action 1 at level 2.")
    assert_accessible(page, context="the translation form in Spanish")

    for index in range(fields.count()):
        field = fields.nth(index)
        if field.get_attribute("name") != "ka-1-d-2":
            field.fill(f"Texto {index}")
    page.get_by_role("button", name="Guardar la traducción").click()
    expect(page.locator("#id_ka-1-d-2_error")).to_be_visible()
    assert not RubricTranslation.objects.filter(rubric=rubric).exists()
    assert_accessible(page, context="the translation form in Spanish, refused")

    page.get_by_label("Acción clave 1 en “Level 2”").fill("La acción clave 1 en el nivel 2.")
    page.get_by_role("button", name="Guardar la traducción").click()
    expect(page.locator(".messages")).to_contain_text("La traducción está guardada.")
    texts = RubricTranslation.objects.get(rubric=rubric, language="es").texts
    assert texts["key_actions"][0]["descriptors"] == ["Texto 10", "La acción clave 1 en el nivel 2."]
