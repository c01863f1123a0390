"""The Chinese catalog is complete: every string the code and templates mark for translation
(labels, messages, model choices) has its Chinese, none is fuzzy, and the committed .mo is
the compiled .po. Extraction runs `makemessages` on a copy, so the tree is left alone."""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation

REPO = Path(__file__).resolve().parents[2]
CATALOG = Path("portal/locale/zh_Hans/LC_MESSAGES")
CJK = re.compile(r"[\u3400-\u9fff]")
SOURCES = [
    "portal",
    "assistance",
    "engine",
    "storage",
    "studio",
    "audit",
    "public",
    "payments",
    "onewindow",
    "exchanges",
    "outbound",
    "api",
]


def entries(po: Path, *flags: str) -> list[str]:
    """The msgids msgattrib selects (--untranslated, --only-fuzzy), with their comments."""
    result = subprocess.run(
        ["msgattrib", *flags, "--no-wrap", str(po)],
        check=True,
        capture_output=True,
        text=True,
    )
    blocks = [block for block in result.stdout.split("\n\n") if "msgid" in block]
    # The header (msgid "") is not an entry.
    return [block for block in blocks if 'msgid ""\nmsgstr' not in block]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("msgattrib") is None:
        pytest.fail("gettext is not installed (apt-get install gettext)")
    copy = tmp_path_factory.mktemp("catalog")
    shutil.copy(REPO / "manage.py", copy)
    for name in SOURCES:
        shutil.copytree(REPO / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(copy)},
    )
    return copy / CATALOG / "django.po"


def test_it_has_chinese_for_every_marked_string(extracted: Path) -> None:
    missing = entries(extracted, "--untranslated")
    assert not missing, (
        f"{len(missing)} strings have no Chinese in {CATALOG}/django.po "
        "(append them at the end under a '# --- <area>' line):\n\n" + "\n\n".join(missing)
    )


def test_it_has_no_fuzzy_translation(extracted: Path) -> None:
    fuzzy = entries(extracted, "--only-fuzzy")
    assert not fuzzy, (
        f"{len(fuzzy)} fuzzy entries (a guess from a similar string): check each, fix it and "
        f"remove its '#, fuzzy' line in {CATALOG}/django.po:\n\n" + "\n\n".join(fuzzy)
    )


def test_it_ships_the_compiled_catalog(tmp_path: Path) -> None:
    po = REPO / CATALOG / "django.po"
    compiled = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check", "-o", str(compiled), str(po)], check=True, capture_output=True
    )
    with compiled.open("rb") as fresh, (REPO / CATALOG / "django.mo").open("rb") as shipped:
        expected = gettext.GNUTranslations(fresh)._catalog  # type: ignore[attr-defined]
        actual = gettext.GNUTranslations(shipped)._catalog  # type: ignore[attr-defined]
    stale = sorted(str(key) for key in expected.keys() ^ actual.keys())
    stale += sorted(
        str(key) for key in expected.keys() & actual.keys() if expected[key] != actual[key]
    )
    assert not stale, f"django.mo is not the compiled django.po (run compilemessages): {stale}"


def test_it_shows_every_model_choice_in_chinese() -> None:
    # A choice label left unmarked is never extracted, so the .po checks above cannot see it.
    unmarked = []
    with translation.override("zh-hans"):
        for model in apps.get_models():
            if model._meta.app_label not in ("assistance", "engine", "portal"):
                continue
            for field in model._meta.get_fields():
                for value, label in getattr(field, "flatchoices", None) or []:
                    if not CJK.search(str(label)):
                        unmarked.append(f"{model.__name__}.{field.name}: {value} → {label}")
    assert not unmarked, "choices without Chinese (wrap the label in gettext_lazy):\n" + "\n".join(
        unmarked
    )
