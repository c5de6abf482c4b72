"""Personal invitation links (see Invitation's docstring for the scheme)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils.encoding import force_bytes

NONCE_BYTES = 16  # 128 random bits per link


def new_nonce() -> str:
    return secrets.token_hex(NONCE_BYTES)


def make_token(invitation_id: int, nonce: str) -> str:
    message = f"convening.invitation:{invitation_id}:{nonce}".encode()
    return hmac.new(force_bytes(settings.SECRET_KEY), message, hashlib.sha256).hexdigest()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def placeholder_hash() -> str:
    """A unique, unguessable hash for the moment between inserting an
    invitation and knowing its id (the token depends on the id)."""
    return hash_token(secrets.token_hex(32))
