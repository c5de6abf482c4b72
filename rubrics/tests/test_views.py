import copy
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from rubrics.exchange import dumps
from rubrics.models import Rubric
from rubrics.tests.bad_files import bad_bytes, bad_data
from rubrics.tests.factories import builtin_file, exchange_data, row_counts, rubric_create

pytestmark = pytest.mark.django_db

BUILTIN = "creating-active-engagement"
BUILTIN_FILE = Path(settings.BASE_DIR) / "rubrics" / "data" / f"{BUILTIN}.json"
MEMBERS = ["facilitator", "lead", "stakeholder", "outsider"]
# What the strict CSP would block: inline scripts and styles, style attributes, event handlers.
INLINE = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=")


@pytest.fixture
def own_rubric(org):
    return rubric_create(organization=org)


def upload(raw: bytes, name: str = "rubric.json") -> dict:
    return {"file": SimpleUploadedFile(name, raw, content_type="application/json")}


def page_urls(slug: str) -> list[str]:
    return [f"/rubrics/{slug}/", f"/rubrics/{slug}.json"]


def body_rows(html: str) -> list[list[str]]:
    """The text of each cell of each row of the table's body."""
    match = re.search(r"<tbody>(.*)</tbody>", html, flags=re.S)
    assert match is not None
    body = match.group(1)
    return [
        [" ".join(re.sub(r"<[^>]+>", "", cell).split()) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]


def test_the_urls_are_the_documented_ones():
    assert reverse("rubrics:library") == "/rubrics/"
    assert reverse("rubrics:import") == "/rubrics/import/"
    assert reverse("rubrics:detail", args=[BUILTIN]) == f"/rubrics/{BUILTIN}/"
    assert reverse("rubrics:json", args=[BUILTIN]) == f"/rubrics/{BUILTIN}.json"


# Permissions ------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/rubrics/", *page_urls(BUILTIN), "/rubrics/import/"])
def test_anonymous_people_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("persona", MEMBERS)
@pytest.mark.parametrize("url", ["/rubrics/", *page_urls(BUILTIN)])
def test_any_member_reads_the_builtin_rubrics(request, client_for, persona, url):
    assert client_for(request.getfixturevalue(persona)).get(url).status_code == 200


@pytest.mark.parametrize("persona", ["facilitator", "lead", "stakeholder"])
def test_members_read_their_organizations_rubrics(request, client_for, own_rubric, persona):
    client = client_for(request.getfixturevalue(persona))
    for url in page_urls(own_rubric.slug):
        assert client.get(url).status_code == 200
        assert client.get(f"{url}?version=1").status_code == 200


def test_another_organizations_rubric_answers_exactly_like_a_missing_one(client_for, outsider, own_rubric):
    client = client_for(outsider)
    for url, missing in zip(page_urls(own_rubric.slug), page_urls("no-such-rubric"), strict=True):
        for query in ["", "?version=1"]:
            response = client.get(url + query)
            assert response.status_code == 404
            assert response.content == client.get(missing + query).content
    assert own_rubric.title not in client.get("/rubrics/").content.decode()


@pytest.mark.parametrize("persona", ["lead", "stakeholder"])
def test_only_facilitators_import(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    before = row_counts()
    assert client.get("/rubrics/import/").status_code == 403
    assert client.post("/rubrics/import/", upload(dumps(exchange_data()).encode())).status_code == 403
    assert row_counts() == before


def test_a_person_without_organization_sees_builtins_and_imports_nothing(client_for, loner, own_rubric):
    client = client_for(loner)
    library = client.get("/rubrics/")
    assert library.status_code == 200
    assert "Creating Active Engagement" in library.content.decode()
    assert own_rubric.title not in library.content.decode()
    assert client.get(f"/rubrics/{own_rubric.slug}/").status_code == 404
    assert client.get("/rubrics/import/").status_code == 404


@pytest.mark.parametrize("url", ["/rubrics/", *page_urls(BUILTIN)])
def test_pages_only_read(client_for, facilitator, url):
    assert client_for(facilitator).post(url).status_code == 405


# Library ----------------------------------------------------------------------


def test_the_library_lists_the_latest_version_of_each_rubric(client_for, facilitator, org, other_org):
    rubric_create(organization=org, slug=BUILTIN, title="Our Active Engagement")
    rubric_create(organization=other_org, title="Theirs")
    html = client_for(facilitator).get("/rubrics/").content.decode()
    assert body_rows(html) == [
        ["Building Support through Data", "1", "4", "4", "Built-in", "JSON of Building Support through Data"],
        ["Our Active Engagement", "2", "3", "4", "Demo State Agency", "JSON of Our Active Engagement"],
    ]
    assert f'href="/rubrics/{BUILTIN}/?version=2"' in html
    assert f'href="/rubrics/{BUILTIN}.json?version=2"' in html


def test_the_import_link_is_shown_to_facilitators_only(client_for, facilitator, lead):
    assert 'href="/rubrics/import/"' in client_for(facilitator).get("/rubrics/").content.decode()
    assert 'href="/rubrics/import/"' not in client_for(lead).get("/rubrics/").content.decode()


# Rubric page and JSON -------------------------------------------------------------


def test_the_rubric_page_is_an_accessible_table(client_for, stakeholder):
    html = client_for(stakeholder).get(f"/rubrics/{BUILTIN}/").content.decode()
    assert "<caption>Creating Active Engagement, version 1" in html
    assert html.count('<th scope="col">') == 5
    assert '<th scope="col">Informing<br><span class="fw-normal">Sharing/Disseminating: One-way communication' in html
    assert html.count('<th scope="row">') == 5
    assert '<th scope="row">1. Coalesce the stakeholders around the issue</th>' in html
    levels = re.findall(r'<td data-level="([^"]+)">', html)
    assert levels == ["Informing", "Networking", "Collaborating", "Transforming"] * 5
    assert "Leading By Convening — A Blueprint for Authentic Engagement" in html
    assert f'href="/rubrics/{BUILTIN}.json?version=1" download' in html


@pytest.mark.parametrize("url", ["/rubrics/", f"/rubrics/{BUILTIN}/", "/rubrics/import/"])
def test_pages_have_nothing_inline_for_the_csp(client_for, facilitator, url):
    html = client_for(facilitator).get(url).content.decode()
    found = [html[m.start() - 150 : m.end() + 60] for m in INLINE.finditer(html)]
    assert found == []


def test_other_versions_are_linked_and_reachable(client_for, facilitator, org):
    rubric_create(organization=org, slug=BUILTIN, title="Our Active Engagement")
    client = client_for(facilitator)
    latest = client.get(f"/rubrics/{BUILTIN}/").content.decode()
    assert "<h1>Our Active Engagement</h1>" in latest
    assert '<a href="?version=1">version 1</a>' in latest
    assert '<a href="?version=2" aria-current="page" class="fw-bold">version 2</a>' in latest
    first = client.get(f"/rubrics/{BUILTIN}/?version=1").content.decode()
    assert "<h1>Creating Active Engagement</h1>" in first
    assert "Built-in" in first


def test_the_json_is_the_exchange_file(client_for, lead):
    response = client_for(lead).get(f"/rubrics/{BUILTIN}.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == f'inline; filename="{BUILTIN}-v1.json"'
    assert response.content == builtin_file(BUILTIN)


@pytest.mark.parametrize("version", ["2", "abc", "", "-1", "1.0", "٣", "9" * 30])
@pytest.mark.parametrize("url", page_urls(BUILTIN))
def test_an_unknown_or_malformed_version_is_not_found(client_for, lead, url, version):
    assert client_for(lead).get(f"{url}?version={version}").status_code == 404


# Import -------------------------------------------------------------------------


def test_the_import_form_uploads_a_file(client_for, facilitator):
    html = client_for(facilitator).get("/rubrics/import/").content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="file"' in html
    assert 'accept=".json,application/json"' in html


def test_importing_a_new_rubric(client_for, facilitator, org):
    raw = dumps(exchange_data(version=2)).encode()
    client = client_for(facilitator)
    response = client.post("/rubrics/import/", upload(raw))
    assert response.status_code == 302
    assert response.url == "/rubrics/custom-rubric/?version=2"
    assert "Imported “Custom Rubric”, version 2." in client.get(response.url).content.decode()
    assert Rubric.objects.get(slug="custom-rubric").organization == org
    assert client.get("/rubrics/custom-rubric.json").content == raw


def test_importing_a_builtin_slug_makes_the_organizations_next_version(client_for, facilitator, outsider, org):
    response = client_for(facilitator).post("/rubrics/import/", upload(builtin_file(BUILTIN)))
    assert response.url == f"/rubrics/{BUILTIN}/?version=2"
    assert Rubric.objects.get(slug=BUILTIN, version=2).organization == org
    # Other organizations still see the built-in, unchanged.
    assert client_for(outsider).get(f"/rubrics/{BUILTIN}.json").content == builtin_file(BUILTIN)


def refused(client, raw: bytes, message: str) -> None:
    before = row_counts()
    response = client.post("/rubrics/import/", upload(raw))
    html = response.content.decode()
    assert response.status_code == 200
    alert = re.search(r'<div class="alert alert-danger" role="alert" id="id_file_error">.*?</div>', html, flags=re.S)
    assert alert, "the problems are listed at the top"
    assert f"<li>{escape(message)}</li>" in alert.group()
    assert row_counts() == before


@bad_data
def test_a_bad_file_is_refused_with_its_message(client_for, facilitator, change, message):
    data = copy.deepcopy(exchange_data())
    change(data)
    refused(client_for(facilitator), dumps(data).encode(), message)


@bad_bytes
def test_an_unreadable_file_is_refused_with_its_message(client_for, facilitator, raw, message):
    refused(client_for(facilitator), raw, message)


def test_a_missing_or_empty_file_is_refused(client_for, facilitator):
    client = client_for(facilitator)
    assert "<li>This field is required.</li>" in client.post("/rubrics/import/", {}).content.decode()
    refused(client, b"", "The submitted file is empty.")


# Query counts --------------------------------------------------------------------


@pytest.mark.parametrize("imported", [1, 5])
def test_the_library_costs_the_same_whatever_the_number_of_rubrics(
    client_for, facilitator, org, imported, django_assert_num_queries
):
    for n in range(imported):
        rubric_create(organization=org, slug=f"rubric-{n}")
    client = client_for(facilitator)
    # Session, user, request savepoint, the person's organizations (the
    # current one among them, and the header's), the header's roles, the
    # library (latest versions with owners and counts, one query), release
    # of the savepoint.
    with django_assert_num_queries(7):
        response = client.get("/rubrics/")
    assert response.content.decode().count('<th scope="row">') == 2 + imported


@pytest.mark.parametrize("key_actions", [4, 40])
def test_the_rubric_page_costs_the_same_whatever_its_size(
    client_for, facilitator, org, key_actions, django_assert_num_queries
):
    rubric_create(organization=org, key_actions=key_actions)
    client = client_for(facilitator)
    # Session, user, request savepoint, the person's organizations (the
    # current one among them, and the header's), membership check, the rubric
    # with its owner, its levels, key actions, descriptors with their levels,
    # translations, its versions, the header's roles, release of the savepoint.
    with django_assert_num_queries(13):
        response = client.get("/rubrics/custom-rubric/")
    assert response.content.decode().count('<th scope="row">') == key_actions
