"""Password reset mail is sent by a worker, not inside the request: a known
address and an unknown one cost the request the same work (no lookup, one
task queued), so neither timing nor a stalled mail server tells them apart
or holds a web worker. Asking is limited per address and per client."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from convening import password_reset
from convening.tasks import send_password_reset
from convening.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _ask(client, email, django_capture_on_commit_callbacks, **headers):
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("password_reset"), {"email": email}, **headers)
    return response, queries, queued


def test_a_known_and_an_unknown_address_cost_the_request_the_same(client, django_capture_on_commit_callbacks):
    UserFactory(email="ana@example.org")
    known, known_queries, known_queued = _ask(client, "ana@example.org", django_capture_on_commit_callbacks)
    unknown, unknown_queries, unknown_queued = _ask(client, "nobody@example.org", django_capture_on_commit_callbacks)

    assert mail.outbox == []  # nothing sent inside either request
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("password_reset_done")
    assert len(known_queued) == len(unknown_queued) == 1
    assert len(known_queries) == len(unknown_queries)
    assert not any("convening_user" in q["sql"] for q in known_queries.captured_queries)


def test_the_worker_sends_the_link_to_a_known_address_only(client, django_capture_on_commit_callbacks):
    UserFactory(email="ana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "ANA@example.org"})
    (message,) = mail.outbox
    assert message.to == ["ana@example.org"]
    assert "/accounts/reset/" in message.body


def test_the_mail_is_in_the_language_of_the_request(client, django_capture_on_commit_callbacks):
    UserFactory(email="ana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "ana@example.org"}, HTTP_ACCEPT_LANGUAGE="es")
    assert mail.outbox[0].subject == "Restablezca su contraseña de Convening"


def test_a_redelivered_task_sends_nothing_twice(settings):
    UserFactory(email="ana@example.org")
    assert password_reset.password_reset_send(email="ana@example.org", language="en", attempt_key="task-1") == 1
    assert password_reset.password_reset_send(email="ana@example.org", language="en", attempt_key="task-1") == 0
    assert len(mail.outbox) == 1
    assert "task-1" in mail.outbox[0].extra_headers["Message-ID"]


def test_a_failed_send_raises_for_the_retry(monkeypatch):
    UserFactory(email="ana@example.org")

    def stalled(*args, **kwargs):
        raise TimeoutError("mail server stalled")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", stalled)
    with pytest.raises(TimeoutError):
        send_password_reset.run("ana@example.org", "en")


def test_asking_too_often_for_one_address_is_refused_and_queues_nothing(client, django_capture_on_commit_callbacks):
    UserFactory(email="ana@example.org")
    for n in range(int(password_reset.ADDRESS_RATE.split("/")[0])):
        response, _, queued = _ask(
            client, "ana@example.org", django_capture_on_commit_callbacks, REMOTE_ADDR=f"198.51.100.{n}"
        )
        assert response.status_code == 302 and len(queued) == 1
    response, _, queued = _ask(
        client, "ANA@example.org", django_capture_on_commit_callbacks, REMOTE_ADDR="198.51.100.99"
    )
    assert response.status_code == 429
    assert queued == []
    assert "Too many" in response.content.decode()


def test_asking_too_often_from_one_client_is_refused_and_queues_nothing(client, django_capture_on_commit_callbacks):
    for n in range(int(password_reset.CLIENT_RATE.split("/")[0])):
        response, _, queued = _ask(client, f"person{n}@example.org", django_capture_on_commit_callbacks)
        assert response.status_code == 302 and len(queued) == 1
    response, _, queued = _ask(client, "someone@example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 429
    assert queued == []
