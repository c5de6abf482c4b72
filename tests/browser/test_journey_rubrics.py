"""Journey of issue 2 in a real browser: a facilitator logs in, reads the
rubric library and a built-in rubric, imports a rubric file (a good one and a
bad one) and switches the interface to Spanish. Every page visited is checked
with axe; the rubric page also at 320 px wide."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from convening.tests.factories import PASSWORD
from rubrics.models import Rubric
from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser

CAE = json.loads(
    (Path(settings.BASE_DIR) / "rubrics" / "data" / "creating-active-engagement.json").read_text(encoding="utf-8")
)

PEER_REVIEW = {
    "title": "Peer Review Practice",
    "slug": "peer-review-practice",
    "version": 1,
    "source": "Written for the browser tests",
    "row_heading": "Practice",
    "row_subheading": "",
    "levels": [
        {"position": 1, "name": "Starting", "summary": "Now and then"},
        {"position": 2, "name": "Growing", "summary": "Often"},
        {"position": 3, "name": "Sustaining", "summary": "Always"},
    ],
    "key_actions": [
        {
            "position": 1,
            "title": "Invite reviewers from every group",
            "descriptors": [
                "Reviewers come from the agency only.",
                "Some stakeholder groups are asked to review.",
                "Every stakeholder group reviews each draft.",
            ],
        },
        {
            "position": 2,
            "title": "Act on the reviews",
            "descriptors": [
                "Reviews are filed.",
                "Reviews are answered in writing.",
                "Reviews visibly change the work, and reviewers are told how.",
            ],
        },
    ],
}


def _write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def _upload(page, path: Path) -> None:
    page.get_by_label("Rubric file (JSON)").set_input_files(path)
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()


def test_facilitator_reads_imports_and_switches_to_spanish(page, live_server, facilitator, lbc_rubrics, tmp_path):
    # Logging in through the real form.
    login(page, live_server, facilitator.email, PASSWORD)

    # The library, reached through the main navigation.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rubrics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rubrics")
    library = page.get_by_role("table", name="Rubrics available to your organization")
    expect(library.get_by_role("link", name=CAE["title"], exact=True)).to_be_visible()
    assert_accessible(page, context="rubric library")

    # A built-in rubric: its table names the key actions and holds the descriptors.
    library.get_by_role("link", name=CAE["title"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CAE["title"])
    rubric_table = page.locator("table.rubric-table")
    first_action = CAE["key_actions"][0]
    expect(rubric_table.get_by_role("rowheader", name=f"1. {first_action['title']}")).to_be_visible()
    for level in CAE["levels"]:
        expect(rubric_table.get_by_role("columnheader", name=level["name"])).to_be_visible()
    third_level_cell = rubric_table.get_by_role("row", name=first_action["title"]).get_by_role("cell").nth(2)
    expect(third_level_cell).to_have_text(first_action["descriptors"][2])
    expect(third_level_cell).to_have_attribute("data-level", CAE["levels"][2]["name"])
    expect(rubric_table.get_by_text(CAE["key_actions"][-1]["descriptors"][-1])).to_be_visible()
    assert_accessible(page, context="built-in rubric page")
    rubric_url = page.url

    # Importing a good file.
    page.goto(live_server.url + reverse("rubrics:library"))
    page.get_by_role("link", name="Import a rubric").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a rubric")
    assert_accessible(page, context="import page")
    _upload(page, _write(tmp_path, "peer-review.json", PEER_REVIEW))
    expect(page.get_by_role("status")).to_contain_text(f"Imported “{PEER_REVIEW['title']}”, version 1.")
    expect(page.get_by_role("heading", level=1)).to_have_text(PEER_REVIEW["title"])
    new_table = page.locator("table.rubric-table")
    expect(new_table.get_by_role("rowheader", name="2. Act on the reviews")).to_be_visible()
    expect(new_table.get_by_text("Every stakeholder group reviews each draft.")).to_be_visible()
    assert page.url.endswith(reverse("rubrics:detail", args=[PEER_REVIEW["slug"]]) + "?version=1")
    imported = Rubric.objects.get(slug=PEER_REVIEW["slug"])
    assert imported.organization_id is not None
    assert imported.key_actions.count() == 2
    assert_accessible(page, context="imported rubric page")

    # A bad file: one descriptor short. The page names the problem and nothing is created.
    bad = json.loads(json.dumps(PEER_REVIEW))
    bad.update(slug="broken-rubric", title="Broken rubric")
    bad["key_actions"][1]["descriptors"].pop()
    rubric_count = Rubric.objects.count()
    page.goto(live_server.url + reverse("rubrics:import"))
    _upload(page, _write(tmp_path, "broken.json", bad))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The rubric was not imported. Nothing was changed.")
    expect(alert.get_by_role("listitem")).to_have_text(["key_actions[2].descriptors: expected 3, got 2"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a rubric")
    assert Rubric.objects.count() == rubric_count
    assert not Rubric.objects.filter(slug="broken-rubric").exists()
    assert_accessible(page, context="import page with an error")

    # Not JSON at all.
    not_json = tmp_path / "notes.json"
    not_json.write_text("{ this is not json", encoding="utf-8")
    _upload(page, not_json)
    expect(page.get_by_role("alert").get_by_role("listitem")).to_have_text(["file: not valid JSON (line 1, column 3)"])
    assert Rubric.objects.count() == rubric_count
    assert_accessible(page, context="import page with a JSON error")

    # Spanish, through the switcher in the header; the page stays the same.
    page.goto(rubric_url)
    header = page.get_by_role("banner")
    header.get_by_label("Language").select_option("es")
    with page.expect_navigation():
        header.get_by_role("button", name="Change language").click()
    assert page.url == rubric_url
    expect(page.locator("html")).to_have_attribute("lang", "es")
    nav = page.get_by_role("navigation", name="Principal")
    expect(nav.get_by_role("link", name="Rúbricas")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("button", name="Cambiar idioma")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(CAE["title"])
    assert_accessible(page, context="built-in rubric page in Spanish")
    nav.get_by_role("link", name="Rúbricas").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rúbricas")
    assert_accessible(page, context="rubric library in Spanish")


def test_rubric_page_fits_a_320px_screen(page, live_server, facilitator, lbc_rubrics):
    page.set_viewport_size({"width": 320, "height": 800})
    login(page, live_server, facilitator.email, PASSWORD)
    page.goto(live_server.url + reverse("rubrics:detail", args=[CAE["slug"]]))
    expect(page.get_by_role("heading", level=1)).to_have_text(CAE["title"])
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the rubric page is {width} px wide on a 320 px screen"
    assert_accessible(page, context="built-in rubric page at 320 px")
