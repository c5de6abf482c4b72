"""An anonymous 300 MB POST is refused before anything reads it: no form is
parsed, nothing is spooled to a temporary file (issue 13). Legitimate uploads
are at most 2 MB (paper ratings), and their pages refuse larger ones with
their own message."""

import io

import pytest
from django.conf import settings
from django.core.files import uploadhandler
from django.urls import reverse

pytestmark = pytest.mark.django_db

BOUNDARY = "BoUnDaRy"


class CountingMultipart(io.RawIOBase):
    """A multipart body with one file of `size` bytes, made as it is read,
    counting what was read."""

    def __init__(self, size: int) -> None:
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.length = len(self.head) + size + len(self.tail)
        self.position = 0

    def read(self, size: int | None = -1) -> bytes:
        remaining = self.length - self.position
        size = remaining if size is None or size < 0 else min(size, remaining)
        chunk = bytearray(b"x" * size)
        for offset, part in ((0, self.head), (self.length - len(self.tail), self.tail)):
            start, end = max(offset, self.position), min(offset + len(part), self.position + size)
            if start < end:
                chunk[start - self.position : end - self.position] = part[start - offset : end - offset]
        self.position += size
        return bytes(chunk)

    def readline(self, size: int | None = -1) -> bytes:  # the multipart parser reads in chunks only
        return self.read(size)


@pytest.fixture
def spooled(monkeypatch):
    files = []
    original = uploadhandler.TemporaryFileUploadHandler.new_file

    def new_file(self, *args, **kwargs):
        files.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(uploadhandler.TemporaryFileUploadHandler, "new_file", new_file)
    return files


def _post(client, path: str, body: CountingMultipart):
    return client.generic(
        "POST",
        path,
        b"-",
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(body.length),
        **{"wsgi.input": body},
    )


def test_an_anonymous_300_megabyte_post_to_the_login_page_is_refused_unread(client, spooled):
    body = CountingMultipart(300 * 1024 * 1024)

    response = _post(client, reverse("login"), body)

    assert response.status_code == 413
    assert body.position == 0
    assert spooled == []


def test_a_body_within_the_limit_is_read_in_memory(client, spooled):
    body = CountingMultipart(settings.REQUEST_BODY_MAX_BYTES - 1024)

    response = _post(client, reverse("login"), body)

    assert response.status_code == 200  # read: the login form, shown again
    assert body.position == body.length
    assert spooled == []
