"""Assemble deployment bundles from a workflows directory (as `deploy_workflows` does).

A bundle holds exactly what its process uses: the main BPMN file, the BPMN files of the
processes it calls (transitively), the DMN files of the decisions its tasks call, and the
form files its tasks name. So a
change to one form makes new versions only of the processes that use it.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _
from lxml import etree

from engine.bundle import BPMN_NS, FORM_SCHEMA_PROPERTY, FORM_UI_PROPERTY, _safe_xml
from engine.checks import DeploymentError, Problem, decode_source

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


SHARED_PREFIX = "shared_"


def read_source(path: Path, name: str | None = None) -> str:
    """A file's text; one that is not UTF-8 is refused naming it, not a UnicodeDecodeError."""
    return decode_source(name or path.name, path.read_bytes())


def main_files(directory: Path) -> list[Path]:
    """BPMN files deployed as definitions of their own.

    `shared_*.bpmn` hold the stages other processes call (economic check, investigation,
    notice…); they go into the bundles of their callers and are never started alone.
    """
    found = []
    for path in sorted(directory.glob("*.bpmn")):
        if path.name.startswith(SHARED_PREFIX):
            continue
        root = _safe_xml(path.name, read_source(path))
        if root.xpath("//bpmn:process[@isExecutable='true']", namespaces={"bpmn": BPMN_NS}):
            found.append(path)
    return found


def bundle_sources(directory: Path, main: Path) -> dict[str, str]:
    texts = {path.name: read_source(path) for path in directory.glob("*.bpmn")}
    roots = {name: _safe_xml(name, text) for name, text in texts.items()}
    owners = {
        process.get("id"): name
        for name, root in roots.items()
        for process in root.iter(f"{{{BPMN_NS}}}process")
    }
    if main.name not in texts:
        raise DeploymentError([Problem(main.name, _("the main BPMN file is missing"))])
    sources: dict[str, str] = {}
    pending = [main.name]
    while pending:
        name = pending.pop()
        if name in sources:
            continue
        sources[name] = texts[name]
        for element in roots[name].iter(f"{{{BPMN_NS}}}callActivity"):
            owner = owners.get(element.get("calledElement"))
            if owner is not None:
                pending.append(owner)
        for form in _form_names(roots[name]):
            form_path = directory / "forms" / form
            if form_path.is_file():
                sources[f"forms/{form}"] = read_source(form_path, f"forms/{form}")
    decisions = {
        called.text.strip()
        for name in sources
        if name.endswith(".bpmn")
        for called in roots[name].iter(f"{{{SPIFF_NS}}}calledDecisionId")
        if called.text
    }
    for dmn in sorted(directory.glob("*.dmn")):
        text = read_source(dmn)
        defined = {
            element.get("id")
            for element in _safe_xml(dmn.name, text).iter()
            if isinstance(element.tag, str) and etree.QName(element).localname == "decision"
        }
        # Only the tables the bundle uses: a change to one table versions only its callers.
        if defined & decisions:
            sources[dmn.name] = text
    return sources


def _form_names(root: etree._Element) -> set[str]:
    names = set()
    for prop in root.iter(f"{{{SPIFF_NS}}}property"):
        if prop.get("name") in (FORM_SCHEMA_PROPERTY, FORM_UI_PROPERTY) and prop.get("value"):
            value = prop.get("value", "")
            if "/" not in value and "\\" not in value and not value.startswith("."):
                names.add(value)
    return names
