"""A fresh PostgreSQL database with Doudi's schema, for a benchmark run."""

from __future__ import annotations

import logging
import os


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def fresh_django(url: str) -> None:
    """Drop and recreate the database at `url`, start Django on it and migrate."""
    recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    logging.getLogger().setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
