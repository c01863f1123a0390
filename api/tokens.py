"""Making and checking bearer tokens."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User

from api.models import ApiToken
from engine.clock import clock

_TOKEN = re.compile(r"ddt_([a-z0-9]{8})_([A-Za-z0-9]{32})")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
# last_used_at is a hint for people reviewing tokens, not a log (the audit trail is): writing
# it on every call would turn each read into a write.
_TOUCH_EVERY_SECONDS = 300


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole `ddt_…` string, shown once


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def make_token(
    user: User, *, name: str, scopes: list[str], expires_at: datetime | None = None
) -> NewToken:
    prefix = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    raw = f"ddt_{prefix}_{secrets.token_hex(16)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        key_hash=digest(raw),
        scopes=sorted(set(scopes)),
        created_at=clock.now(),
        expires_at=expires_at,
    )
    return NewToken(token, raw)


def find_token(raw: str) -> ApiToken | None:
    """The live token this string names, or None (unknown, wrong secret, revoked, expired,
    or its user deactivated)."""
    match = _TOKEN.fullmatch(raw.strip())
    if match is None:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=match.group(1)).first()
    if token is None or not hmac.compare_digest(token.key_hash, digest(raw.strip())):
        return None
    now = clock.now()
    if token.revoked_at is not None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > (
        _TOUCH_EVERY_SECONDS
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
