"""Account invitation links. The link carries a random token; only its SHA-256 hash is stored, so the
database alone yields no working link. Resending draws a new token: the old link then matches nothing."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 random bits per link


def new_token() -> tuple[str, str]:
    """A new link's token and the hash to store."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
