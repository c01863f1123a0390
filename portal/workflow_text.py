"""English for the text that comes from the workflows: task titles, stages, form labels.

Policy staff write the workflows in Chinese, and Chinese stays the canonical text: Task.title
and Case.stage are stored as the diagram says. The English lives beside the workflows, in one
file `workflows/locale/en.json` mapping each Chinese text to its English, and is looked up
at display time when English is active.

One flat file rather than an English attribute next to every name: a text used in many places
("理由", "批准", "入户调查") is translated once, the diagrams stay as the modeller draws them,
and `tests/workflows/test_translations.py` lists exactly what a new diagram or form still
lacks. A stage computed by a script (`stage = f'渐退期（{gradual_from}至{gradual_until}）'`)
is written in the file with its placeholders; the values are carried over into the English.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from lxml import etree

LOCALE_FILE = Path("locale") / "en.json"
# Several ready tasks make one stage, joined like this (assistance.projections).
STAGE_SEPARATOR = "、"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# BPMN elements whose names people read: as task titles and stages in the queue and on the
# case, or as labels on the diagram. Lanes are named by role code, messages by code.
NAMED_ELEMENTS = frozenset(
    {
        "participant",
        "process",
        "startEvent",
        "endEvent",
        "intermediateCatchEvent",
        "intermediateThrowEvent",
        "boundaryEvent",
        "task",
        "userTask",
        "manualTask",
        "scriptTask",
        "serviceTask",
        "businessRuleTask",
        "sendTask",
        "receiveTask",
        "callActivity",
        "subProcess",
        "exclusiveGateway",
        "inclusiveGateway",
        "parallelGateway",
        "eventBasedGateway",
        "complexGateway",
        "sequenceFlow",
        "textAnnotation",
    }
)


@dataclass(frozen=True)
class Table:
    exact: dict[str, str]
    # (pattern, placeholder names, English with the same placeholders)
    patterns: list[tuple[re.Pattern[str], list[str], str]] = field(default_factory=list)


def locale_path(directory: Path | None = None) -> Path:
    return Path(directory or settings.WORKFLOWS_DIR) / LOCALE_FILE


def load(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected an object of Chinese text → English")
    return {str(key): str(value) for key, value in data.items()}


def _compile(entries: dict[str, str]) -> Table:
    exact: dict[str, str] = {}
    patterns = []
    for chinese, english in entries.items():
        names = [name.strip("{}") for name in _PLACEHOLDER.findall(chinese)]
        if not names:
            exact[chinese] = english
            continue
        literal = _PLACEHOLDER.split(chinese)
        regex = "(.+?)".join(re.escape(part) for part in literal)
        patterns.append((re.compile(f"^{regex}$", re.DOTALL), names, english))
    # The most literal text first, so "{died_on}死亡" does not take a longer reason.
    patterns.sort(key=lambda entry: -len(entry[0].pattern.replace("(.+?)", "")))
    return Table(exact, patterns)


@lru_cache(maxsize=4)
def _table(path: str, mtime: float) -> Table:
    return _compile(load(Path(path)))


def table() -> Table:
    path = locale_path()
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return Table({})
    return _table(str(path), mtime)


def english_active(language: str | None = None) -> bool:
    return (language or get_language() or "").startswith("en")


def translate(text: Any, language: str | None = None) -> str:
    """The workflow text in the active language: Chinese as stored, or its English."""
    text = "" if text is None else str(text)
    if not text or not english_active(language):
        return text
    return _english(text, table())


def _english(text: str, found: Table) -> str:
    known = _known(text, found)
    if known is not None:
        return known
    if STAGE_SEPARATOR in text:
        return ", ".join(_joined(text.split(STAGE_SEPARATOR), found))
    return text


def _known(text: str, found: Table) -> str | None:
    if text in found.exact:
        return found.exact[text]
    for pattern, names, english in found.patterns:
        match = pattern.match(text)
        if match:
            return _fill(english, dict(zip(names, match.groups(), strict=True)))
    return None


def _joined(parts: list[str], found: Table) -> list[str]:
    """The English of titles joined by 、, which may itself occur inside a title: at each
    place the longest run of parts that is a known text is taken."""
    result = []
    start = 0
    while start < len(parts):
        for end in range(len(parts), start, -1):
            known = _known(STAGE_SEPARATOR.join(parts[start:end]), found)
            if known is not None:
                result.append(known)
                start = end
                break
        else:
            result.append(parts[start])
            start += 1
    return result


def _fill(english: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(0).strip("{}"), m.group(0)), english)


def diagram_labels(xml: str, language: str | None = None) -> dict[str, str]:
    """Chinese name → English for the names on a diagram, for the viewer to relabel."""
    if not english_active(language):
        return {}
    found = table()
    labels = {}
    for _where, text in texts_in_bpmn(xml):
        english = _english(text, found)
        if english != text:
            labels[text] = english
    return labels


def translate_schema(schema: dict[str, Any], language: str | None = None) -> dict[str, Any]:
    """A copy of a JSON Schema with its titles and descriptions in the active language."""
    if not english_active(language):
        return schema
    found = table()

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: _english(value, found)
                if key in ("title", "description") and isinstance(value, str)
                else walk(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    result: dict[str, Any] = walk(schema)
    return result


# --- What must be translated: read from the workflow files themselves.


def texts_in_bpmn(text: str) -> list[tuple[str, str]]:
    """(where, text) for every name people read in a BPMN file, and every text its scripts write."""
    root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False))
    found: list[tuple[str, str]] = []
    for element in root.iter(f"{{{BPMN_NS}}}*"):
        tag = etree.QName(element).localname
        name = (element.get("name") or "").strip()
        if tag in NAMED_ELEMENTS and name:
            found.append((f"{tag} {element.get('id')}", name))
        if tag == "script" and element.text:
            owner = element.getparent()
            where = f"script of {owner.get('id') if owner is not None else '?'}"
            found += [(where, text) for text in script_texts(element.text)]
    return found


DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def texts_in_dmn(text: str) -> list[tuple[str, str]]:
    """(where, text) for every Chinese text a decision table outputs (an age band, say),
    which the pages show as the process's own figures."""
    root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False))
    found: list[tuple[str, str]] = []
    for entry in root.iter(f"{{{DMN_NS}}}outputEntry"):
        node = entry.find(f"{{{DMN_NS}}}text")
        try:
            value = ast.literal_eval((node.text or "").strip()) if node is not None else None
        except (ValueError, SyntaxError):
            continue  # an expression (policy['elderly_needy_monthly']), not a text
        if isinstance(value, str):
            found.append((f"outputEntry {entry.get('id')}", value))
    return found


def script_texts(script: str) -> list[str]:
    """The Chinese texts a script writes for people: stages (`stage = '公示中'`), reasons
    (`refusal_reasons = f'{died_on}死亡'`), notices. An f-string keeps its placeholders."""
    try:
        tree = ast.parse(script)
    except SyntaxError:
        return []
    texts = []
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            inside.update(id(part) for part in node.values)
            template = _template(node)
            if _has_cjk(template):
                texts.append(template)
        elif isinstance(node, ast.Constant) and id(node) not in inside and _has_cjk(node.value):
            texts.append(str(node.value))
    return texts


def _template(value: ast.JoinedStr) -> str:
    parts = []
    for part in value.values:
        if isinstance(part, ast.Constant):
            parts.append(str(part.value))
        elif isinstance(part, ast.FormattedValue):
            parts.append("{" + ast.unparse(part.value) + "}")
    return "".join(parts)


def texts_in_form(schema: Any, where: str = "") -> list[tuple[str, str]]:
    """(JSON path, text) of every title and description in a form's JSON Schema, and every
    string enum value (shown as the option's label when it has no oneOf title)."""
    found: list[tuple[str, str]] = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            path = f"{where}/{key}"
            if key in ("title", "description") and isinstance(value, str) and value.strip():
                found.append((path, value))
            elif key == "enum" and isinstance(value, list):
                found += [(f"{path}/{i}", v) for i, v in enumerate(value) if _has_cjk(v)]
            else:
                found += texts_in_form(value, path)
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            found += texts_in_form(item, f"{where}/{index}")
    return found


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _has_cjk(value: Any) -> bool:
    return isinstance(value, str) and bool(_CJK.search(value))


def all_texts(directory: Path) -> list[tuple[str, str, str]]:
    """(file, where, text) of every Chinese text people read from a workflows directory."""
    sources: list[tuple[Path, list[tuple[str, str]]]] = [
        (path, texts_in_bpmn(path.read_text(encoding="utf-8")))
        for path in sorted(directory.glob("*.bpmn"))
    ]
    sources += [
        (path, texts_in_dmn(path.read_text(encoding="utf-8")))
        for path in sorted(directory.glob("*.dmn"))
    ]
    sources += [
        (path, texts_in_form(json.loads(path.read_text(encoding="utf-8"))))
        for path in sorted((directory / "forms").glob("*.json"))
    ]
    return [
        (path.relative_to(directory).as_posix(), where, text)
        for path, texts in sources
        for where, text in texts
        if _has_cjk(text)
    ]


def untranslated(directory: Path) -> list[tuple[str, str, str]]:
    """(file, where, text) of every workflow text `workflows/locale/en.json` lacks."""
    entries = {key: value for key, value in load(locale_path(directory)).items() if value.strip()}
    return [found for found in all_texts(directory) if found[2] not in entries]
