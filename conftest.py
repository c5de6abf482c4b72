"""Persona fixtures shared by every app's tests (healthchecks' alice/bob/charlie).

- `org`: the organization under test, with the default stakeholder groups;
- `facilitator`, `lead`, `stakeholder`: members of `org` with that one role;
- `outsider`: a facilitator of *another* organization (must get 404s from `org`).
"""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from convening.models import DEFAULT_STAKEHOLDER_GROUPS, Role
from convening.observability import current_request_id
from convening.tests.factories import MembershipFactory, OrganizationFactory, StakeholderGroupFactory, UserFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    """The cache outlives a test's rolled-back data, and on SQLite the next
    test reuses the same ids: a closed round's cached results (keyed by ids
    and counts) or a rate limit must not leak from one test into another."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _one_rate_window(monkeypatch):
    """django-ratelimit counts in fixed windows of wall-clock time: a test whose
    requests crossed a window's edge would count from zero again (CI once saw a
    31st guessed link answered 404, not 429). Its clock is frozen, so all of a
    test's requests fall into one window."""
    monkeypatch.setattr("django_ratelimit.core.time", SimpleNamespace(time=lambda: 1_750_000_000.0))


@pytest.fixture(autouse=True)
def _no_request_id_after():
    """A streamed response ends its request (request_finished clears the request id) when it is closed:
    a server always closes it, a test that reads only its status does not, and the id would leak into the
    next test's tasks."""
    yield
    current_request_id.set(None)


@pytest.fixture(autouse=True)
def _english_after():
    """A request leaves its language active in the thread; the next test's services speak English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _member(organization, role):
    user = UserFactory()
    MembershipFactory(organization=organization, user=user, role=role)
    return user


@pytest.fixture
def org(db):
    organization = OrganizationFactory(name="Demo State Agency")
    for position, name in enumerate(DEFAULT_STAKEHOLDER_GROUPS):
        StakeholderGroupFactory(organization=organization, name=name, position=position)
    return organization


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Other State Agency")


@pytest.fixture
def facilitator(org):
    return _member(org, Role.FACILITATOR)


@pytest.fixture
def lead(org):
    return _member(org, Role.LEAD)


@pytest.fixture
def stakeholder(org):
    return _member(org, Role.STAKEHOLDER)


@pytest.fixture
def outsider(other_org):
    return _member(other_org, Role.FACILITATOR)
