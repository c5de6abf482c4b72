"""The language a person sees (issue 15, item 4): the profile's choice; else
the browser's; a new account takes the language it was created in until its
first sign-in, which keeps the language the person was reading in."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from convening import services
from convening.languages import supported
from convening.models import User
from convening.tests.factories import PASSWORD, StakeholderGroupFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


SPANISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9,en;q=0.5"}


def page_language(response) -> str:
    return response.headers["Content-Language"]


def sign_in(client, user, **headers):
    return client.post(reverse("login"), {"username": user.email, "password": PASSWORD}, **headers)


def test_the_browsers_language_is_used_before_signing_in(client):
    assert page_language(client.get(reverse("login"), **SPANISH_BROWSER)) == "es"
    assert "Iniciar sesión" in client.get(reverse("login"), **SPANISH_BROWSER).content.decode()
    assert page_language(client.get(reverse("login"))) == "en"


def test_a_spanish_browser_signing_in_for_the_first_time_stays_spanish(client):
    person = UserFactory(language="en")  # as an invitation in English made it
    assert sign_in(client, person, **SPANISH_BROWSER).status_code == 302

    person.refresh_from_db()
    assert person.language == "es"
    assert page_language(client.get(reverse("home"), **SPANISH_BROWSER)) == "es"
    # The profile now holds it: on an English browser too.
    assert page_language(client.get(reverse("home"))) == "es"


def test_after_the_first_sign_in_the_profile_decides(client):
    person = UserFactory(language="en", last_login=timezone.now())
    sign_in(client, person, **SPANISH_BROWSER)

    person.refresh_from_db()
    assert person.language == "en"
    assert page_language(client.get(reverse("home"), **SPANISH_BROWSER)) == "en"


def test_the_profiles_choice_wins_over_the_browsers(client):
    person = UserFactory(language="es", last_login=timezone.now())
    sign_in(client, person)
    assert page_language(client.get(reverse("home"))) == "es"

    client.post(reverse("convening:profile"), {"name": person.name, "language": "en"})
    assert page_language(client.get(reverse("home"), **SPANISH_BROWSER)) == "en"


def test_a_language_picked_on_the_sign_in_page_is_kept_by_the_first_sign_in(client):
    person = UserFactory(language="en")
    client.post(reverse("language_set"), {"language": "es", "next": reverse("login")})
    sign_in(client, person)
    person.refresh_from_db()
    assert person.language == "es"


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_new_person_takes_the_language_they_were_added_in(org, language):
    team = TeamFactory(organization=org)
    group = StakeholderGroupFactory(organization=org)
    with translation.override(language):
        member, created = services.team_member_add(
            team=team, email="ana@example.org", name="Ana", stakeholder_group=group
        )
        person, _new = services.person_get_or_create(email="luis@example.org")
    assert created
    assert member.user.language == language
    assert person.language == language


def test_adding_a_known_person_leaves_their_language(org):
    known = UserFactory(email="ana@example.org", language="en")
    with translation.override("es"):
        services.person_get_or_create(email="ANA@example.org")
    known.refresh_from_db()
    assert known.language == "en"


def test_a_new_person_imported_from_a_spanish_page_is_spanish(client, facilitator, org):
    team = TeamFactory(organization=org)
    group = org.stakeholder_groups.first()
    facilitator.language = "es"
    facilitator.save()
    client.force_login(facilitator)
    url = reverse("convening:team_member_add", args=[team.pk])
    response = client.post(url, {"name": "Ana", "email": "ana@example.org", "stakeholder_group": group.pk})
    assert response.status_code == 302
    assert User.objects.get(email="ana@example.org").language == "es"


def test_a_language_outside_the_site_is_the_originals():
    assert supported("es-AR") == "es"
    assert supported("fr") == "en"
    assert supported(None) == "en"
