"""The password reset form names its field as every other form does."""

import re

from django.urls import reverse


def test_the_password_reset_form_asks_for_the_e_mail_address(client, db):
    page = client.get(reverse("password_reset")).content.decode()
    label = re.search(r'<label[^>]*for="id_email"[^>]*>(.*?)</label>', page, re.DOTALL)
    assert label is not None
    assert " ".join(re.sub(r"<[^>]+>", " ", label.group(1)).split()) == "E-mail address *"
