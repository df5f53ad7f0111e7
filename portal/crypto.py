"""Secrets at rest (tenants' Odoo passwords and API keys), encrypted with Fernet.

Keys come from ``PORTAL_ENCRYPTION_KEYS`` (comma separated, newest first, so
an old key still decrypts while rows are re-encrypted with the new one). The
embedded setup generates one into ``var/encryption_key``.
"""

from __future__ import annotations

import os
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    raw = os.environ.get("PORTAL_ENCRYPTION_KEYS", "")
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        path = settings.VAR_DIR / "encryption_key"
        if not path.exists():
            path.write_text(Fernet.generate_key().decode())
            path.chmod(0o600)
        keys = [path.read_text().strip()]
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: the encryption key changed (set PORTAL_ENCRYPTION_KEYS)") from exc


def rotate(token: str) -> str:
    """Re-encrypt with the newest key."""
    return _fernet().rotate(token.encode()).decode() if token else ""
