"""Error pages in the site's look, with a way back home, as production
serves them (DEBUG off), from a layout that needs no database and shows
nothing of the request (templates/error_base.html says why). A 403 is logged
once, in one line, without a traceback."""

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.views.defaults import server_error

from assessments.tests.factories import RoundFactory
from convening import urls as site_urls
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [path("boom/", _boom), path("forbidden/", _forbidden), *site_urls.urlpatterns]


def _looks_like_the_site(page: str) -> None:
    assert "css/convening.css" in page
    assert 'class="site-header' in page
    assert f'href="{reverse("home")}"' in page and "Back to the home page" in page


@override_settings(DEBUG=False)
def test_not_found_is_styled_and_the_same_whatever_was_asked(client, facilitator):
    client.force_login(facilitator)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    _looks_like_the_site(response.content.decode())
    assert client.get("/another/missing/page/").content == response.content


@override_settings(DEBUG=False)
def test_forbidden_is_styled_and_logged_in_one_line(client, org, lead, caplog):
    round_ = RoundFactory(team=TeamFactory(organization=org))
    client.force_login(lead)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("assessments:invitations_add", args=[round_.pk]))
    assert response.status_code == 403
    page = response.content.decode()
    _looks_like_the_site(page)
    assert "You do not have access to this page" in page
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert records[0].exc_info is None
    assert "Forbidden" in records[0].getMessage()


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_server_error_is_styled():
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    _looks_like_the_site(page)
    assert "Something went wrong" in page
    assert "a bug" not in page


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_a_permission_denied_raised_anywhere_in_a_view_is_styled():
    response = Client().get("/forbidden/")
    assert response.status_code == 403
    _looks_like_the_site(response.content.decode())


def test_the_server_error_page_needs_no_database():
    with CaptureQueriesContext(connection) as queries:
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert len(queries) == 0
    _looks_like_the_site(response.content.decode())


@override_settings(DEBUG=False)
def test_a_form_sent_without_its_csrf_token_is_explained():
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "a@example.org"})
    assert response.status_code == 403
    page = response.content.decode()
    _looks_like_the_site(page)
    assert "The form has expired" in page


@override_settings(DEBUG=False)
def test_a_bad_request_is_styled():
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="not-ours.example")
    assert response.status_code == 400
    page = response.content.decode()
    _looks_like_the_site(page)
    assert "Bad request" in page
