"""Editing a rubric version's translation (issue 15, item 6): facilitators,
for their organization's own versions no round has used, a form per
language with the original beside each field; the built-in rubrics'
translations and a used version's are shown, never changed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rubrics.models import Rubric, RubricTranslation
from rubrics.services import rubric_freeze
from rubrics.tests.factories import exchange_data, rubric_create, translation_data

pytestmark = pytest.mark.django_db

BUILTIN = "creating-active-engagement"


def url(rubric, language="es"):
    return reverse("rubrics:translation", args=[rubric.slug, language]) + f"?version={rubric.version}"


def filled(rubric, **changes) -> dict[str, str]:
    """The form's fields, every text given ("ES …"), with `changes` on top."""
    data = translation_data(exchange_data(slug=rubric.slug), note="Traducción de la agencia")
    fields = {"note": data["note"], **{f: data[f] for f in ("title", "source", "row_heading", "row_subheading")}}
    for level in data["levels"]:
        fields[f"level-{level['position']}-name"] = level["name"]
        fields[f"level-{level['position']}-summary"] = level["summary"]
    for row in data["key_actions"]:
        fields[f"ka-{row['position']}-title"] = row["title"]
        for index, text in enumerate(row["descriptors"], start=1):
            fields[f"ka-{row['position']}-d-{index}"] = text
    return {**fields, **changes}


@pytest.fixture
def own_rubric(org):
    return rubric_create(organization=org, slug="ours", key_actions=3)


def test_a_facilitator_translates_their_own_rubric(client_for, facilitator, own_rubric):
    client = client_for(facilitator)
    page = client.get(url(own_rubric)).content.decode()
    assert 'name="ka-3-d-4"' in page
    assert 'lang="en" id="id_ka-3-d-4_original">Key action 3 at level 4.</p>' in page  # beside its field
    assert 'aria-describedby="id_ka-3-d-4_original"' in page  # and read out with it

    response = client.post(url(own_rubric), filled(own_rubric))
    assert response.status_code == 302
    texts = RubricTranslation.objects.get(rubric=own_rubric, language="es").texts
    assert texts["title"] == "ES Custom Rubric"
    assert texts["key_actions"][2]["descriptors"][3] == "ES Key action 3 at level 4."
    assert texts["note"] == "Traducción de la agencia"


def test_the_detail_page_links_each_language_for_facilitators_only(client_for, facilitator, lead, own_rubric):
    assert (
        url(own_rubric).replace("&", "&amp;")
        in client_for(facilitator).get(f"/rubrics/{own_rubric.slug}/").content.decode()
    )
    assert "/translations/" not in client_for(lead).get(f"/rubrics/{own_rubric.slug}/").content.decode()


def test_an_empty_text_is_refused_and_nothing_is_saved(client_for, facilitator, own_rubric):
    client = client_for(facilitator)
    client.post(url(own_rubric), filled(own_rubric))
    before = RubricTranslation.objects.get(rubric=own_rubric).texts

    response = client.post(url(own_rubric), filled(own_rubric, **{"ka-2-d-3": "  ", "title": "Nuevo título"}))
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert RubricTranslation.objects.get(rubric=own_rubric).texts == before


def test_a_text_the_service_refuses_is_named_and_nothing_is_saved(client_for, facilitator, own_rubric):
    response = client_for(facilitator).post(url(own_rubric), filled(own_rubric, **{"level-1-name": "N" * 250}))
    assert response.status_code == 400
    assert not RubricTranslation.objects.filter(rubric=own_rubric).exists()


def test_the_builtin_rubrics_translation_is_read_only(client_for, facilitator):
    builtin = Rubric.objects.get(organization__isnull=True, slug=BUILTIN)
    client = client_for(facilitator)
    before = RubricTranslation.objects.get(rubric=builtin).texts
    page = client.get(url(builtin)).content.decode()
    assert '<form method="post" novalidate>' not in page
    assert "Crear una participación activa" in page

    response = client.post(url(builtin), {"title": "Otro título"})
    assert response.status_code == 400
    assert "cannot be changed" in response.content.decode()
    assert RubricTranslation.objects.get(rubric=builtin).texts == before


def test_a_version_a_round_used_is_frozen(client_for, facilitator, own_rubric):
    rubric_freeze(rubric=own_rubric)
    client = client_for(facilitator)
    assert 'name="title"' not in client.get(url(own_rubric)).content.decode()
    response = client.post(url(own_rubric), filled(own_rubric))
    assert response.status_code == 400
    assert "frozen" in response.content.decode()
    assert not RubricTranslation.objects.filter(rubric=own_rubric).exists()


def test_leads_are_refused_and_other_organizations_rubrics_do_not_exist(client_for, lead, outsider, own_rubric):
    assert client_for(lead).get(url(own_rubric)).status_code == 403
    assert client_for(lead).post(url(own_rubric), filled(own_rubric)).status_code == 403
    assert client_for(outsider).get(url(own_rubric)).status_code == 404
    assert client_for(outsider).post(url(own_rubric), filled(own_rubric)).status_code == 404
    assert not RubricTranslation.objects.filter(rubric=own_rubric).exists()


def test_a_language_the_site_lacks_or_the_originals_is_404(client_for, facilitator, own_rubric):
    assert client_for(facilitator).get(url(own_rubric, "fr")).status_code == 404
    assert client_for(facilitator).get(url(own_rubric, "en")).status_code == 404


def test_the_page_takes_the_same_queries_for_3_or_30_key_actions(client_for, facilitator, org):
    counts = {}
    for size in (3, 30):
        rubric = rubric_create(organization=org, slug=f"size-{size}", key_actions=size)
        client = client_for(facilitator)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(rubric)).status_code == 200
        counts[size] = len(queries.captured_queries)
    assert counts[3] == counts[30]
