import re

import pytest
from django.core import mail
from django.urls import reverse

from convening.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _reset_link(client, email, capture):
    with capture(execute=True):  # the mail goes out from a task queued on commit
        client.post(reverse("password_reset"), {"email": email})
    return re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[-1].body).group(1)


def _set_password(client, link, password):
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    return client.post(form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})


def test_password_reset_sends_a_working_link(client, django_capture_on_commit_callbacks):
    person = UserFactory(email="ana@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "ANA@example.org"})

    assert response.url == reverse("password_reset_done")
    (message,) = mail.outbox
    assert message.to == ["ana@example.org"]
    assert message.subject == "Reset your Convening password"
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)
    done = _set_password(client, link, "a-new-long-passphrase")
    assert done.url == reverse("password_reset_complete")
    person.refresh_from_db()
    assert person.check_password("a-new-long-passphrase")


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "Check your e-mail" in response.content.decode()
    assert mail.outbox == []


def test_a_used_link_is_refused_clearly(client, django_capture_on_commit_callbacks):
    UserFactory(email="ana@example.org")
    link = _reset_link(client, "ana@example.org", django_capture_on_commit_callbacks)
    _set_password(client, link, "a-new-long-passphrase")

    page = client.get(link, follow=True).content.decode()

    assert "This link does not work any more" in page
    assert reverse("password_reset") in page


def test_password_change(client):
    person = UserFactory()
    client.force_login(person)
    page = client.get(reverse("password_change"))
    assert 'role="alert"' not in page.content.decode()

    wrong = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "another-long-phrase", "new_password2": "another-long-phrase"},
    )
    assert 'role="alert"' in wrong.content.decode()
    done = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "another-long-phrase", "new_password2": "another-long-phrase"},
    )
    assert done.url == reverse("password_change_done")
