"""Two-factor sign-in, as the person uses it: setting up an app, the second step of signing in, recovery
codes, the wait after wrong codes, turning it off."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from convening.tests.factories import PASSWORD
from convening.tests.two_factor_support import code_of, verified, with_device
from convening.two_factor.services import RECOVERY_CODE_COUNT, totp_device_start

pytestmark = pytest.mark.django_db


def _page(response) -> str:
    return response.content.decode()


def _sign_in(client, user):
    return client.post(reverse("login"), {"username": user.email, "password": PASSWORD})


def test_setting_up_shows_the_key_as_a_qr_code_and_text_and_counts_only_once_confirmed(client, facilitator):
    client.force_login(facilitator)
    assert client.get(reverse("two_factor:manage")).status_code == 200
    response = client.post(reverse("two_factor:setup_start"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor:setup")
    page = _page(client.get(reverse("two_factor:setup")))
    device = TOTPDevice.objects.get(user=facilitator)
    assert not device.confirmed
    assert "<svg" in page
    assert "<title>" in page
    secret = page.split('user-select-all">')[1].split("</code>")[0].replace(" ", "")
    assert device.config_url.split("secret=")[1].startswith(secret)
    # Not confirmed yet: signing in asks for no code.
    assert client.get(reverse("home")).status_code == 200

    response = client.post(reverse("two_factor:setup"), {"code": code_of(device)})

    assert response.status_code == 200
    page = _page(response)
    codes = [token.token for token in StaticToken.objects.filter(device__user=facilitator)]
    assert len(codes) == RECOVERY_CODE_COUNT
    for code in codes:
        assert f"{code[:4]}-{code[4:]}" in page
    assert 'download="convening-recovery-codes.txt"' in page
    device.refresh_from_db()
    assert device.confirmed
    # The code just typed counts for this session.
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_code_does_not_confirm_the_setup(client, facilitator):
    client.force_login(facilitator)
    client.post(reverse("two_factor:setup_start"))
    device = TOTPDevice.objects.get(user=facilitator)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("two_factor:setup"), {"code": wrong})

    assert response.status_code == 400
    assert "That code is not right" in _page(response)
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=facilitator).exists()


def test_a_second_setup_is_refused_while_one_is_on(facilitator):
    device, _codes = with_device(facilitator)
    with pytest.raises(Exception, match="already on"):
        totp_device_start(user=facilitator)
    assert list(TOTPDevice.objects.filter(user=facilitator)) == [device]


def test_signing_in_with_a_device_asks_for_its_code_before_the_session_counts(client, lead):
    device, _codes = with_device(lead)

    response = _sign_in(client, lead)
    assert response.status_code == 302
    response = client.get(reverse("convening:team_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor:verify") + "?next=%2Fteams%2F"
    assert client.get(response["Location"]).status_code == 200

    response = client.post(reverse("two_factor:verify"), {"code": code_of(device), "next": "/teams/"})

    assert response.status_code == 302
    assert response["Location"] == "/teams/"
    assert client.get("/teams/").status_code == 200


def test_a_wrong_code_is_refused_and_the_next_waits(client, lead):
    device, _codes = with_device(lead)
    client.force_login(lead)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("two_factor:verify"), {"code": wrong})
    assert response.status_code == 400
    assert "That code is not right" in _page(response)

    # Straight after, even the right code waits: django-otp's throttle, which the refusal above kept.
    response = client.post(reverse("two_factor:verify"), {"code": code_of(device)})
    assert response.status_code == 400
    assert "Too many wrong codes. Wait 1 second, then try again." in _page(response)
    assert client.get(reverse("home")).status_code == 302

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=5))
    assert client.post(reverse("two_factor:verify"), {"code": code_of(device)}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_each_wrong_code_doubles_the_wait(client, lead):
    device, _codes = with_device(lead)
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=5, throttling_failure_timestamp=timezone.now()
    )
    client.force_login(lead)

    response = client.post(reverse("two_factor:verify"), {"code": code_of(device)})

    assert "Wait 16 seconds" in _page(response)


def test_a_recovery_code_signs_in_once(client, lead):
    _device, codes = with_device(lead)
    client.force_login(lead)
    typed = f"{codes[0][:4]}-{codes[0][4:]}".upper()

    response = client.post(reverse("two_factor:verify"), {"code": typed}, follow=True)

    assert response.redirect_chain[0] == (reverse("home"), 302)
    assert "You used a recovery code: 9 are left." in _page(response)
    client.post(reverse("logout"))
    client.force_login(lead)
    response = client.post(reverse("two_factor:verify"), {"code": codes[0]})
    assert response.status_code == 400
    assert StaticToken.objects.filter(device__user=lead).count() == RECOVERY_CODE_COUNT - 1
    StaticDevice.objects.filter(user=lead).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=5))
    assert client.post(reverse("two_factor:verify"), {"code": codes[1]}).status_code == 302


def test_new_recovery_codes_replace_the_old(client, lead):
    device, old = with_device(lead)
    verified(client, lead, device)

    response = client.post(reverse("two_factor:recovery_codes"))

    assert response.status_code == 200
    new = set(StaticToken.objects.filter(device__user=lead).values_list("token", flat=True))
    assert len(new) == RECOVERY_CODE_COUNT
    assert not new & set(old)


def test_the_verify_page_of_someone_without_a_device_or_verified_goes_on(client, lead):
    client.force_login(lead)
    assert client.get(reverse("two_factor:verify") + "?next=/teams/")["Location"] == "/teams/"
    device, _codes = with_device(lead)
    verified(client, lead, device)
    assert client.get(reverse("two_factor:verify"))["Location"] == reverse("home")


def test_the_verify_page_goes_to_no_other_site(client, lead):
    device, _codes = with_device(lead)
    client.force_login(lead)
    response = client.post(reverse("two_factor:verify"), {"code": code_of(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_turning_it_off_takes_a_current_code(client, lead):
    device, _codes = with_device(lead)
    verified(client, lead, device)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("two_factor:disable"), {"code": wrong})
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=lead).exists()

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    response = client.post(reverse("two_factor:disable"), {"code": code_of(device)})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=lead).exists()
    assert not StaticDevice.objects.filter(user=lead).exists()
    assert client.get(reverse("convening:team_list")).status_code == 200


def test_turning_it_off_is_refused_while_the_organization_requires_it(client, org, facilitator):
    device, _codes = with_device(facilitator)
    org.require_two_factor = True
    org.save()
    verified(client, facilitator, device)
    assert "cannot be turned off" in _page(client.get(reverse("two_factor:disable")))

    response = client.post(reverse("two_factor:disable"), {"code": code_of(device)})

    assert response.status_code == 400
    assert "Demo State Agency requires two-factor sign-in" in _page(response)
    assert TOTPDevice.objects.filter(user=facilitator, confirmed=True).exists()
    assert StaticToken.objects.filter(device__user=facilitator).count() == RECOVERY_CODE_COUNT
