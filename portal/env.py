"""Typed readers for settings from the environment.

Each helper fails loudly on a malformed value: a typo in production configuration
must stop the process at start, not surface as odd behaviour weeks later.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlparse


class ConfigError(RuntimeError):
    pass


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ConfigError(f"environment variable {name} is required")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use true/false)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not an integer") from exc
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}={value} is below the minimum {minimum}")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a number") from exc
    if value != value or (minimum is not None and value < minimum):
        raise ConfigError(f"{name}={value} is below the minimum {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ConfigError(f"{name}={value!r} must be one of {sorted(choices)}")
    return value


def database_from_url(url: str, base_dir: str) -> dict[str, object]:
    """Translate sqlite:///path or postgres://user:pw@host:port/name into Django's dict."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///relative/file and sqlite:////absolute/file, as SQLAlchemy spells them.
        path = unquote(parsed.path[1:])
        if not path:
            raise ConfigError(f"DATABASE_URL={url!r} names no SQLite file")
        if not os.path.isabs(path):
            path = os.path.join(base_dir, path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            # Several processes share the file (the server, the demo's ticker, a command): in
            # WAL mode readers never wait for the writer, a writer takes its lock when its
            # transaction begins (IMMEDIATE) and waits up to `timeout` seconds for another
            # writer, instead of failing half-way with "database is locked". NORMAL sync is
            # safe in WAL mode (a power cut may lose the last commits, never corrupt the file).
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            },
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        name = parsed.path.lstrip("/")
        if not name:
            raise ConfigError(f"DATABASE_URL={url!r} names no database")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(name),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ConfigError(f"DATABASE_URL={url!r}: scheme must be sqlite or postgres")
