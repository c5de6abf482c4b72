import pytest
from django.urls import reverse

from convening.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_the_email_logs_in_whatever_its_case(client):
    UserFactory(email="alice@example.org")
    response = client.post(reverse("login"), {"username": "Alice@Example.ORG", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_password_is_refused_with_a_message(client):
    UserFactory(email="alice@example.org")
    response = client.post(reverse("login"), {"username": "alice@example.org", "password": "wrong"})
    assert response.status_code == 200
    assert b"alert" in response.content
    assert "_auth_user_id" not in client.session
