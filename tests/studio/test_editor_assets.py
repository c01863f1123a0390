"""studio/_editor_assets.html, the draft file page's include: every stylesheet and script it
lists is a static file of the studio, each vendored npm package carries its licence and
version, and the bundles' third-party licences are listed."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "studio" / "static" / "vendor"


def listed() -> dict[str, list[str]]:
    html = render_to_string("studio/_editor_assets.html")
    return {
        name: value.split()
        for name, value in re.findall(r'data-([a-z]+-(?:css|js))="([^"]*)"', html)
    }


def test_it_lists_each_kinds_assets_as_static_files():
    assets = listed()
    assert sorted(assets) == [
        "bpmn-css",
        "bpmn-js",
        "dmn-css",
        "dmn-js",
        "form-css",
        "form-js",
    ]
    for urls in assets.values():
        for url in urls:
            assert url.startswith(settings.STATIC_URL), url
            assert finders.find(url.removeprefix(settings.STATIC_URL)), url
    # The editor comes after the library it drives.
    assert assets["bpmn-js"][-1].endswith("studio/bpmn-editor.bundle.js")
    assert assets["dmn-js"][-1].endswith("studio/dmn-editor.bundle.js")


def test_it_loads_only_the_loader_at_first():
    html = render_to_string("studio/_editor_assets.html")
    assert re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", html) == [
        settings.STATIC_URL + "studio/editor.bundle.js"
    ]
    assert "<style" not in html and " style=" not in html


def test_it_keeps_a_licence_and_version_with_each_vendored_package():
    packages = sorted(path.name for path in VENDOR.iterdir())
    assert packages == ["bpmn-js-modeler", "dmn-js", "properties-panel"]
    for name in packages:
        assert (VENDOR / name / "LICENSE").read_text().strip()
        assert re.fullmatch(r"\d+\.\d+\.\d+\n", (VENDOR / name / "VERSION").read_text())
    licences = (ROOT / "studio" / "static" / "studio" / "THIRD-PARTY-LICENSES.txt").read_text()
    for bundled in ("@bpmn-io/properties-panel", "preact", "bpmnlint", "min-dash"):
        assert f"\n{bundled} " in licences
