import pytest
from django.test import Client

from convening.tests.factories import UserFactory


@pytest.fixture
def client_for():
    """A test client logged in as the given person."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def loner(db):
    """Logged in, but a member of no organization."""
    return UserFactory()
