"""What the two-factor tests share: a person's authenticator app, as the tests compute its codes."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from convening.two_factor.services import totp_device_confirm, totp_device_start


def code_of(device: TOTPDevice) -> str:
    """The code the person's app shows now. A code is accepted once per 30 s step, so each call lets the
    device accept the current step again (as a person would wait for the next code)."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def with_device(user) -> tuple[TOTPDevice, list[str]]:
    """Two-factor sign-in set up: a confirmed app and its recovery codes."""
    device = totp_device_start(user=user)
    return totp_device_confirm(user=user, code=code_of(device))


def verified(client, user, device) -> None:
    """Signs in with the password and the app's code, as the person does."""
    client.force_login(user)
    response = client.post("/accounts/two-factor/verify/", {"code": code_of(device)})
    assert response.status_code == 302, response.content
