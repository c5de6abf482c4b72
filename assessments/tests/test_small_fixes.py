"""Small things that erode trust (issue 17): a deadline with its time zone and
one full stop, actual opening and closing times beside the planned ones, new
rounds' rubrics in the seeds' order, and an old link that says a newer one was
sent."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assessments.invitations.selectors import invitation_link_path
from assessments.invitations.services import invitation_resend
from assessments.models import Round
from assessments.rating.services import response_submit
from assessments.rounds.forms import RoundForm
from assessments.rounds.services import round_close, round_remind
from assessments.tests.factories import answer_all, invite, lbc_rubrics

pytestmark = pytest.mark.django_db

# 21:00 UTC in January is 3 p.m. in Chicago: English writes "3 p.m.", whose full stop a sentence must not double.
CLOSES = datetime(2027, 1, 15, 21, 0, tzinfo=UTC)
DOUBLE_STOP = re.compile(r"\.\.(?!\.)")


@pytest.fixture
def as_facilitator(client, facilitator):
    client.force_login(facilitator)
    return client


@pytest.fixture
def chicago_round(open_round):
    open_round.organization.time_zone = "America/Chicago"
    open_round.organization.save()
    Round.objects.filter(pk=open_round.pk).update(closes_at=CLOSES)
    open_round.refresh_from_db()
    return open_round


@pytest.mark.parametrize(
    ("language", "deadline"),
    [("en", "Jan. 15, 2027, 3 p.m. CST."), ("es", "15 de enero de 2027 a las 15:00 CST.")],
)
def test_the_invitation_mail_gives_the_deadline_with_its_zone_and_one_full_stop(
    chicago_round, django_capture_on_commit_callbacks, language, deadline
):
    (invitation,) = invite(chicago_round)
    invitation.user.language = language
    invitation.user.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_resend(invitation=invitation)

    (message,) = mail.outbox
    html = message.alternatives[0][0]
    for text in (message.body, html):
        assert deadline in text
        assert not DOUBLE_STOP.search(text.replace(str(invitation_link_path(invitation)), ""))


def test_the_reminder_gives_the_deadline_with_its_zone(chicago_round, django_capture_on_commit_callbacks):
    invite(chicago_round)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        round_remind(round=chicago_round)
    assert "Jan. 15, 2027, 3 p.m. CST" in mail.outbox[0].body


def test_the_rating_page_writes_times_with_their_zone_and_one_full_stop(client, chicago_round):
    (invitation,) = invite(chicago_round)
    client.force_login(invitation.user)
    url = reverse("assessments:rate", args=[chicago_round.pk])
    assert "until the round closes: Jan. 15, 2027, 3 p.m. CST" in client.get(url).content.decode()

    answer_all(invitation)
    submitted = datetime(2027, 1, 10, 14, 30, tzinfo=UTC)  # 8:30 a.m. in Chicago
    response_submit(invitation=invitation, now=submitted)
    page = client.get(url).content.decode()
    assert "You submitted your ratings on Jan. 10, 2027, 8:30 a.m. CST." in page
    assert "a.m.." not in page and "p.m.." not in page


def _detail(client, round_):
    return client.get(reverse("assessments:round_detail", args=[round_.pk])).content.decode()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_round_page_shows_when_it_opened_and_closed_beside_the_plan(as_facilitator, open_round):
    opened = open_round.opens_at + timedelta(hours=3)
    Round.objects.filter(pk=open_round.pk).update(opened_at=opened)
    open_round.refresh_from_db()
    page = _text(_detail(as_facilitator, open_round))
    planned_open = open_round.opens_at.strftime("%b")
    assert "Opened " in page and f"(planned for {planned_open}" in page
    assert "Closes " in page and "Closed " not in page

    closing = timezone.now()
    round_close(round=open_round, now=closing)
    open_round.refresh_from_db()
    page = _text(_detail(as_facilitator, open_round))
    assert "Closed " in page
    assert page.count("(planned for ") == 2


def test_the_round_page_shows_one_time_when_it_opened_as_planned(as_facilitator, draft):
    page = _text(_detail(as_facilitator, draft))
    assert "Opens " in page and "Opened" not in page and "planned for" not in page
    planned = draft.opens_at.replace(second=0, microsecond=0)
    # Opened by the clock's tick a few seconds after the minute planned: the same time as people read it.
    Round.objects.filter(pk=draft.pk).update(opens_at=planned, opened_at=planned + timedelta(seconds=20), status="open")
    draft.refresh_from_db()
    page = _text(_detail(as_facilitator, draft))
    assert "Opened " in page and "planned for" not in page


def test_a_new_rounds_rubrics_are_listed_and_kept_in_the_seeds_order(org):
    by_slug = {rubric.slug: rubric for rubric in lbc_rubrics()}
    cae, bsd = by_slug["creating-active-engagement"], by_slug["building-support-through-data"]  # the seeds' order
    form = RoundForm(organization=org)
    slugs = [rubric.slug for rubric in form.fields["rubrics"].queryset]
    assert slugs[:2] == [cae.slug, bsd.slug]

    opens = timezone.now() + timedelta(days=1)
    data = {
        "name": "Spring",
        "rubrics": [bsd.pk, cae.pk],
        "opens_at": timezone.localtime(opens).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": timezone.localtime(opens + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"),
        "threshold": 5,
    }
    form = RoundForm(data, organization=org)
    assert form.is_valid(), form.errors
    assert [rubric.slug for rubric in form.cleaned_data["rubrics"]] == [cae.slug, bsd.slug]


def test_an_old_link_after_a_new_one_says_a_newer_link_was_sent(client, open_round):
    (invitation,) = invite(open_round)
    old = invitation_link_path(invitation)
    invitation_resend(invitation=invitation, new_link=True)
    invitation.refresh_from_db()

    response = client.get(old)

    assert response.status_code == 404
    page = response.content.decode()
    assert "This link was replaced by a newer one" in page
    assert "ask the person who invited you to send it again" in page
    assert invitation.user.email not in page
    assert client.get(invitation_link_path(invitation)).status_code == 302


def test_a_link_replaced_twice_ago_is_just_not_valid(client, open_round):
    (invitation,) = invite(open_round)
    first = invitation_link_path(invitation)
    invitation_resend(invitation=invitation, new_link=True)
    invitation_resend(invitation=invitation, new_link=True)

    assert "This link is not valid" in client.get(first).content.decode()


def test_change_the_list_of_invitees_brings_back_the_list_given(as_facilitator, open_round):
    url = reverse("assessments:invitations_add", args=[open_round.pk])
    text = "Ana,ana@example.org,Family\nBen;ben@example.org;Educator"
    preview = as_facilitator.post(url, {"step": "list", "text": text}).content.decode()
    assert "This line is separated by semicolons, but the list by commas" in html.unescape(preview)
    sent_back = html.unescape(re.search(r'<textarea name="text" hidden>(.*?)</textarea>', preview, re.DOTALL)[1])
    assert sent_back == text

    again = as_facilitator.post(url, {"step": "edit", "text": sent_back})

    assert again.status_code == 200
    box = re.search(r'<textarea name="text"[^>]*id="id_text"[^>]*>(.*?)</textarea>', again.content.decode(), re.DOTALL)
    assert box is not None and html.unescape(box[1]).lstrip("\n") == text
    assert not open_round.invitations.exists()
