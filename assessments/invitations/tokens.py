"""Personal invitation links (see Invitation's docstring for the scheme).

The token is salted_hmac(SECRET_KEY, id + nonce); only its SHA-256 hash is
stored, so opening a link needs no key at all. A key is needed to write the
link into a mail again (reminders, resends): then every key Django accepts
(SECRET_KEY, then SECRET_KEY_FALLBACKS) is tried until one gives the stored
hash, so a rotation does not turn those mails into dead links."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator

from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes

NONCE_BYTES = 16  # 128 random bits per link
_SALT = "convening.invitation"


class LinkKeyLost(Exception):
    """The key that made an invitation's link is no longer accepted: no mail can carry that link."""


def new_nonce() -> str:
    return secrets.token_hex(NONCE_BYTES)


def make_token(invitation_id: int, nonce: str, *, secret: str | None = None) -> str:
    """A new link's token, with the current SECRET_KEY unless `secret` is given."""
    return salted_hmac(_SALT, f"{invitation_id}:{nonce}", secret=secret, algorithm="sha256").hexdigest()


def _raw_key_token(invitation_id: int, nonce: str, secret: str) -> str:
    # The scheme before salted_hmac: links made with it are still in people's inboxes and stored as hashes.
    message = f"{_SALT}:{invitation_id}:{nonce}".encode()
    return hmac.new(force_bytes(secret), message, hashlib.sha256).hexdigest()


def _candidates(invitation_id: int, nonce: str) -> Iterator[str]:
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        yield make_token(invitation_id, nonce, secret=secret)
        yield _raw_key_token(invitation_id, nonce, secret)


def link_token(invitation_id: int, nonce: str, token_hash: str) -> str | None:
    """The token whose hash is stored, made with any accepted key and either
    scheme; None once its key is no longer accepted (no mail can carry it)."""
    for token in _candidates(invitation_id, nonce):
        if hmac.compare_digest(hash_token(token), token_hash):
            return token
    return None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def placeholder_hash() -> str:
    """A unique, unguessable hash for the moment between inserting an
    invitation and knowing its id (the token depends on the id)."""
    return hash_token(secrets.token_hex(32))
