"""What changed between two process bundles: two deployed versions, or a draft and its base.

Everything is read from the sources with lxml and json, never through the engine's parser:
drafts may not deploy (yet), and the studio does not import SpiffWorkflow. XML is parsed as
the deploy does (`engine.bundle._safe_xml`: no entities, no network, size-limited); a file
that cannot be read is reported as such instead of failing the page.

- BPMN: elements are matched by id. An element is *added*, *removed*, *changed* (its name,
  type, attributes, Doudi's `spiffworkflow:property` pairs, script, condition, timer,
  message, lane… differ: each is a `Change`), or *moved* when only its drawing (DI) moved.
  An element whose own definition is unchanged but whose form, decision table or called
  stage changed is reported *inside*: the diagram marks it so the change is not missed.
- Forms (JSON Schema): fields by name (nested objects and arrays as `a.b`, `a[].b`), each
  keyword compared; keywords of the whole form (conditional rules…) separately.
- DMN: decision tables by decision id: input and output columns by id, rules by id with
  the cells that differ named by column, and the rule order (it matters for FIRST).

Labels are translated when shown (`Change.label`…), so a diff can be cached.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from lxml import etree

from engine.bundle import BPMN_NS, FORM_SCHEMA_PROPERTY, FORM_UI_PROPERTY, _safe_xml
from engine.bundle import sources_sha256 as _sha256
from engine.checks import DeploymentError

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"
MOVED = "moved"
INSIDE = "inside"
SAME = "same"

STATUS_LABELS: dict[str, Promise] = {
    ADDED: pgettext_lazy("diff", "Added"),
    REMOVED: pgettext_lazy("diff", "Removed"),
    CHANGED: pgettext_lazy("diff", "Changed"),
    MOVED: pgettext_lazy("diff", "Moved only"),
    INSIDE: pgettext_lazy("diff", "Changed inside"),
    SAME: pgettext_lazy("diff", "Unchanged"),
}
# The order elements are listed in: what changes behaviour first, layout last.
STATUS_ORDER = {CHANGED: 0, ADDED: 1, REMOVED: 2, INSIDE: 3, MOVED: 4, SAME: 5}

# BPMN elements that hold other elements with ids of their own.
CONTAINERS = frozenset(
    {"definitions", "process", "subProcess", "transaction", "adHocSubProcess", "collaboration"}
)
# Parts of an element (compared as its properties), never elements of their own.
DETAILS = frozenset(
    {
        "documentation",
        "extensionElements",
        "incoming",
        "outgoing",
        "ioSpecification",
        "property",
        "dataInputAssociation",
        "dataOutputAssociation",
        "multiInstanceLoopCharacteristics",
        "standardLoopCharacteristics",
        "auditing",
        "monitoring",
        "laneSet",
    }
)
# Children that only repeat what other elements say (sequence flows name their ends).
IGNORED_CHILDREN = frozenset({"incoming", "outgoing", "flowNodeRef", "laneSet", "childLaneSet"})

TYPE_LABELS: dict[str, Promise] = {
    "process": _("Process"),
    "collaboration": _("Collaboration"),
    "participant": _("Pool"),
    "lane": _("Lane"),
    "startEvent": _("Start event"),
    "endEvent": _("End event"),
    "intermediateCatchEvent": _("Intermediate catch event"),
    "intermediateThrowEvent": _("Intermediate throw event"),
    "boundaryEvent": _("Boundary event"),
    "task": _("Task"),
    "userTask": _("User task"),
    "manualTask": _("Manual task"),
    "scriptTask": _("Script task"),
    "serviceTask": _("Service task"),
    "businessRuleTask": _("Business rule task"),
    "sendTask": _("Send task"),
    "receiveTask": _("Receive task"),
    "callActivity": _("Call activity"),
    "subProcess": _("Subprocess"),
    "exclusiveGateway": _("Exclusive gateway"),
    "inclusiveGateway": _("Inclusive gateway"),
    "parallelGateway": _("Parallel gateway"),
    "eventBasedGateway": _("Event-based gateway"),
    "sequenceFlow": _("Sequence flow"),
    "messageFlow": _("Message flow"),
    "message": _("Message"),
    "signal": _("Signal"),
    "error": _("Error"),
    "escalation": _("Escalation"),
    "textAnnotation": _("Text annotation"),
    "association": _("Association"),
    "dataObject": _("Data object"),
    "dataObjectReference": _("Data object reference"),
    "dataStoreReference": _("Data store reference"),
}

KEY_LABELS: dict[str, Promise] = {
    # BPMN
    "type": _("Element type"),
    "name": pgettext_lazy("diff", "Name"),
    "lane": _("Lane (role)"),
    "documentation": pgettext_lazy("diff", "Description"),
    "@calledElement": _("Called process"),
    "@default": _("Default flow"),
    "@sourceRef": _("From"),
    "@targetRef": _("To"),
    "@processRef": _("Process"),
    "@isExecutable": _("Executable"),
    "@messageRef": pgettext_lazy("diff", "Message"),
    "@attachedToRef": _("Attached to"),
    "@cancelActivity": _("Interrupting"),
    "condition": pgettext_lazy("diff", "Condition"),
    "script": pgettext_lazy("diff", "Script"),
    "event": _("Event kind"),
    "timer": _("Timer"),
    "message": pgettext_lazy("diff", "Message"),
    "signal": pgettext_lazy("diff", "Signal"),
    "eventDetails": _("Event details"),
    f"property:{FORM_SCHEMA_PROPERTY}": pgettext_lazy("diff", "Form"),
    f"property:{FORM_UI_PROPERTY}": _("Form layout"),
    "property:dueDate": _("Due date"),
    "property:evidenceRequired": _("Required evidence"),
    "property:evidenceRequiredWhen": _("Evidence required when"),
    "property:excludeActorsOf": _("Separation of duties: not whoever did"),
    "property:waitRole": _("Role whose record is awaited"),
    "property:startData": _("Start data"),
    "extension:calledDecisionId": _("Decision table"),
    "extension:preScript": _("Script before"),
    "extension:postScript": _("Script after"),
    "extension:instructionsForEndUser": _("Instructions"),
    "multiInstanceLoopCharacteristics": _("Multiple instances"),
    "standardLoopCharacteristics": _("Loop"),
    # Forms
    "title": pgettext_lazy("diff", "Title"),
    "description": pgettext_lazy("diff", "Description"),
    "required": pgettext_lazy("diff", "Required"),
    "enum": _("Options"),
    "oneOf": _("Choices"),
    "const": _("Fixed value"),
    "minimum": pgettext_lazy("diff", "Minimum"),
    "maximum": pgettext_lazy("diff", "Maximum"),
    "exclusiveMinimum": _("Minimum (exclusive)"),
    "exclusiveMaximum": _("Maximum (exclusive)"),
    "minLength": _("Minimum length"),
    "maxLength": _("Maximum length"),
    "minItems": _("Minimum number of items"),
    "maxItems": _("Maximum number of items"),
    "pattern": _("Pattern"),
    "format": _("Format"),
    "default": _("Default value"),
    "items": _("Items"),
    "form:title": _("Form title"),
    "form:description": _("Form description"),
    "form:conditions": _("Conditional rules"),
    "form:additionalProperties": _("Other fields allowed"),
    # DMN
    "label": pgettext_lazy("diff", "Label"),
    "expression": _("Input expression"),
    "typeRef": _("Value type"),
    "outputName": _("Output variable"),
    "hitPolicy": _("Hit policy"),
    "ruleOrder": _("Rule order"),
}
BPMN_ORDER = [
    "type",
    "name",
    "lane",
    "@calledElement",
    "@sourceRef",
    "@targetRef",
    "@default",
    "condition",
    "script",
    "event",
    "timer",
    "message",
    "@messageRef",
    f"property:{FORM_SCHEMA_PROPERTY}",
    f"property:{FORM_UI_PROPERTY}",
    "property:dueDate",
    "property:evidenceRequired",
    "property:evidenceRequiredWhen",
    "property:excludeActorsOf",
    "property:waitRole",
    "property:startData",
]
FORM_ORDER = ["title", "type", "required", "enum", "oneOf", "const"]
# The keys whose values are names people read (looked up in the workflow translations).
TEXT_KEYS = frozenset({"name", "title", "label", "documentation", "description"})
# Unchanged lines shown around a changed one in a script or other long text.
CONTEXT_LINES = 2
# A longer one-line value is shown whole on each side rather than cut where it differs.
MAX_INLINE_TOKENS = 4000
# Words, runs of spaces and single signs: what a one-line value is compared by.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
FORM_CONDITIONS = ("if", "then", "else", "allOf", "anyOf", "oneOf", "not", "dependentRequired")


@dataclass(frozen=True)
class Change:
    """One property that differs; None on a side that does not have it."""

    key: str
    old: str | None
    new: str | None

    @property
    def label(self) -> str:
        known = KEY_LABELS.get(self.key)
        if known is not None:
            return str(known)
        kind, _colon, name = self.key.partition(":")
        if kind == "property" and name:
            return gettext("Property %(name)s") % {"name": name}
        if kind == "extension" and name:
            return gettext("Extension %(name)s") % {"name": name}
        if kind == "form" and name:
            return gettext("Form keyword %(name)s") % {"name": name}
        if self.key.startswith("@"):
            return gettext("Attribute %(name)s") % {"name": self.key[1:]}
        return self.key

    @property
    def is_text(self) -> bool:
        """A name people read: shown through the workflow translations."""
        return self.key in TEXT_KEYS

    @property
    def shown_old(self) -> str | None:
        return self._shown(self.old)

    @property
    def shown_new(self) -> str | None:
        return self._shown(self.new)

    def _shown(self, value: str | None) -> str | None:
        if self.key == "required" and value is not None:
            return gettext("required") if value == "true" else gettext("optional")
        return value

    @property
    def multiline(self) -> bool:
        return "\n" in (self.old or "") or "\n" in (self.new or "")

    @property
    def inline(self) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]] | None:
        """Both values cut where they differ, (differs, text) each, for a one-line value with
        a part kept (an expression whose one argument changed); else None, shown whole."""
        if self.old is None or self.new is None or self.multiline or self.is_text:
            return None
        if self.key in ("required", "lane"):
            return None
        before, after = _TOKEN.findall(self.old), _TOKEN.findall(self.new)
        if len(before) + len(after) > MAX_INLINE_TOKENS:
            return None
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        if matcher.ratio() < 0.4:
            return None
        old_parts: list[tuple[bool, str]] = []
        new_parts: list[tuple[bool, str]] = []
        for operation, i1, i2, j1, j2 in matcher.get_opcodes():
            differs = operation != "equal"
            if i2 > i1:
                old_parts.append((differs, "".join(before[i1:i2])))
            if j2 > j1:
                new_parts.append((differs, "".join(after[j1:j2])))
        return old_parts, new_parts

    @property
    def lines(self) -> list[tuple[str, str]]:
        """A line diff of a script or other long text: ("-" | "+" | " ", line), unchanged
        runs cut to CONTEXT_LINES around each change, ("…", "") where lines are left out."""
        old = (self.old or "").splitlines()
        new = (self.new or "").splitlines()
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        found: list[tuple[str, str]] = []
        for operation, i1, i2, j1, j2 in matcher.get_opcodes():
            if operation == "equal":
                kept = old[i1:i2]
                head = kept[:CONTEXT_LINES] if found else []
                tail = kept[-CONTEXT_LINES:] if i2 < len(old) or j2 < len(new) else []
                if len(head) + len(tail) >= len(kept):
                    found += [(" ", line) for line in kept]
                else:
                    found += [(" ", line) for line in head]
                    found.append(("…", ""))
                    found += [(" ", line) for line in tail]
                continue
            found += [("-", line) for line in old[i1:i2]]
            found += [("+", line) for line in new[j1:j2]]
        return found


@dataclass
class ElementDiff:
    id: str
    type: str
    name: str
    status: str
    changes: list[Change] = field(default_factory=list)
    # A changed element whose drawing moved as well.
    moved: bool = False
    # The files whose changes reach into this element (its form, table or called stage).
    inside: list[str] = field(default_factory=list)

    @property
    def type_label(self) -> str:
        return str(TYPE_LABELS.get(self.type, self.type))

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class FieldDiff:
    path: str
    title: str
    status: str
    changes: list[Change] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class CellDiff:
    column: str
    old: str | None
    new: str | None


@dataclass
class RuleDiff:
    id: str
    # Its place in the table (1-based), in the new table unless removed.
    number: int
    status: str
    description: str = ""
    cells: list[CellDiff] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class ColumnDiff:
    id: str
    kind: str  # "input" or "output"
    label: str
    status: str
    changes: list[Change] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def kind_label(self) -> str:
        return gettext("Input") if self.kind == "input" else gettext("Output")


@dataclass
class TableDiff:
    id: str
    name: str
    status: str
    changes: list[Change] = field(default_factory=list)
    columns: list[ColumnDiff] = field(default_factory=list)
    rules: list[RuleDiff] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class FileDiff:
    path: str
    kind: str  # "bpmn", "dmn", "form" or "other"
    status: str  # ADDED, REMOVED, CHANGED or SAME
    # The path of the same file in the old bundle when it differs (the main file renamed).
    old_path: str = ""
    # Why one side could not be read (not XML, not JSON); then nothing below is compared.
    error: str = ""
    elements: list[ElementDiff] = field(default_factory=list)
    fields: list[FieldDiff] = field(default_factory=list)
    form_changes: list[Change] = field(default_factory=list)
    tables: list[TableDiff] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def substantive(self) -> bool:
        """Something other than layout, whitespace or comments differs."""
        if self.status in (ADDED, REMOVED) or self.error:
            return True
        return bool(
            self.fields
            or self.form_changes
            or self.tables
            or any(element.status in (ADDED, REMOVED, CHANGED) for element in self.elements)
        )

    @property
    def text_only(self) -> bool:
        """The text differs but nothing the diff compares does (spaces, comments, order)."""
        return self.status == CHANGED and not self.substantive and not self.elements


@dataclass
class BundleDiff:
    main_old: str
    main_new: str
    files: list[FileDiff]

    @property
    def changed_files(self) -> list[FileDiff]:
        """Files that differ, and unchanged diagrams whose stages, forms or tables did."""
        return [found for found in self.files if found.status != SAME or found.elements]

    def file(self, kind: str) -> list[FileDiff]:
        return [found for found in self.changed_files if found.kind == kind]

    @property
    def bpmn(self) -> list[FileDiff]:
        # The main file first: it is the one on the diagrams.
        return sorted(self.file("bpmn"), key=lambda found: found.path != self.main_new)

    @property
    def forms(self) -> list[FileDiff]:
        return self.file("form")

    @property
    def dmn(self) -> list[FileDiff]:
        return self.file("dmn")

    @property
    def others(self) -> list[FileDiff]:
        return self.file("other")

    @property
    def main(self) -> FileDiff | None:
        return next((found for found in self.files if found.path == self.main_new), None)

    def counts(self) -> dict[str, int]:
        """Elements per status over every BPMN file."""
        counts = {ADDED: 0, REMOVED: 0, CHANGED: 0, MOVED: 0, INSIDE: 0}
        for found in self.files:
            for element in found.elements:
                counts[element.status] += 1
        return counts

    @property
    def empty(self) -> bool:
        return not self.changed_files

    def markers(self, side: str) -> dict[str, list[str]]:
        """Element ids to mark on the main diagram of one side ("old" or "new")."""
        main = self.main
        marks: dict[str, list[str]] = {ADDED: [], REMOVED: [], CHANGED: [], MOVED: [], INSIDE: []}
        if main is None:
            return marks
        shown = {REMOVED, CHANGED, MOVED} if side == "old" else {ADDED, CHANGED, MOVED, INSIDE}
        for element in main.elements:
            if element.status in shown:
                marks[element.status].append(element.id)
        return marks


# ---------------------------------------------------------------- the whole bundle


def diff_sources(
    old: Mapping[str, str], new: Mapping[str, str], main_old: str, main_new: str
) -> BundleDiff:
    """What changed from the bundle `old` (main BPMN file `main_old`) to `new`."""
    pairs: list[tuple[str, str | None, str | None]] = []
    paths = sorted(set(old) | set(new))
    renamed = main_old != main_new and main_old in old and main_new in new
    for path in paths:
        if renamed and path == main_old:
            continue
        before_path = main_old if renamed and path == main_new else path
        pairs.append(
            (path, before_path if before_path in old else None, path if path in new else None)
        )
    files = []
    for shown, old_path, new_path in pairs:
        before = old.get(old_path) if old_path is not None else None
        after = new.get(new_path) if new_path is not None else None
        files.append(_file_diff(shown, old_path or shown, before, after))
    _mark_inside(files, old, new)
    return BundleDiff(main_old, main_new, files)


_CACHE: dict[tuple[str, ...], BundleDiff] = {}


def cached_diff(
    old: Mapping[str, str], new: Mapping[str, str], main_old: str, main_new: str
) -> BundleDiff:
    """`diff_sources`, computed once per pair of bundles and language (the page and its
    two diagrams ask for the same diff; read errors are worded in the active language)."""
    key = (_sha256(old), _sha256(new), main_old, main_new, get_language() or "")
    if key not in _CACHE:
        if len(_CACHE) >= 64:
            _CACHE.clear()
        _CACHE[key] = diff_sources(old, new, main_old, main_new)
    return _CACHE[key]


def main_path(sources: Mapping[str, str], key: str) -> str:
    """The BPMN file of a bundle that defines the process `key` (a deployed version keeps
    its sources, not the name of its main file)."""
    candidates = [path for path in sorted(sources) if path.endswith(".bpmn")]
    for path in candidates:
        try:
            root = _safe_xml(path, sources[path])
        except DeploymentError:
            continue
        if any(process.get("id") == key for process in root.iter(f"{{{BPMN_NS}}}process")):
            return path
    return next((path for path in candidates if f'id="{key}"' in sources[path]), "")


def readable_xml(path: str, text: str | None) -> str:
    """The text of an XML file if it parses as the deploy parses it, else ""."""
    if not text:
        return ""
    try:
        _safe_xml(path, text)
    except DeploymentError:
        return ""
    return text


def _kind(path: str) -> str:
    if path.endswith(".bpmn"):
        return "bpmn"
    if path.endswith(".dmn"):
        return "dmn"
    if path.endswith(".json"):
        return "form"
    return "other"


def _file_diff(path: str, old_path: str, before: str | None, after: str | None) -> FileDiff:
    kind = _kind(path)
    if before is None:
        status = ADDED
    elif after is None:
        status = REMOVED
    else:
        status = SAME if before == after else CHANGED
    found = FileDiff(path, kind, status, old_path=old_path if old_path != path else "")
    if status == SAME or kind == "other":
        return found
    try:
        if kind == "bpmn":
            old_root, new_root = _parse_xml(old_path, before), _parse_xml(path, after)
            # A whole diagram added or removed is one line, not one per element.
            if status == CHANGED:
                found.elements = _bpmn_diff(old_root, new_root)
        elif kind == "dmn":
            found.tables = _dmn_diff(_parse_xml(old_path, before), _parse_xml(path, after))
        else:
            old_form, new_form = _parse_json(old_path, before), _parse_json(path, after)
            found.fields, found.form_changes = _form_diff(old_form, new_form)
    except _Unreadable as exc:
        found.error = str(exc)
        found.elements, found.fields, found.form_changes, found.tables = [], [], [], []
    return found


class _Unreadable(Exception):
    pass


def _parse_xml(path: str, text: str | None) -> Any:
    if text is None:
        return None
    try:
        return _safe_xml(path, text)
    except DeploymentError as exc:
        raise _Unreadable("; ".join(exc.problems)) from exc


def _parse_json(path: str, text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise _Unreadable(
            gettext("%(file)s is not valid JSON (%(error)s)") % {"file": path, "error": exc}
        ) from exc


def _local(element: Any) -> str:
    return str(etree.QName(element).localname)


def _namespace(element: Any) -> str | None:
    return etree.QName(element).namespace


def _children(element: Any) -> Iterator[Any]:
    # Comments and processing instructions have no string tag.
    return (child for child in element if isinstance(child.tag, str))


def _text(element: Any) -> str:
    return "".join(element.itertext()).strip()


def _attribute_key(element: Any, attribute: str) -> str:
    name = etree.QName(attribute)
    if name.namespace is None:
        return str(name.localname)
    prefixes = {uri: prefix for prefix, uri in (element.nsmap or {}).items() if prefix}
    prefix = prefixes.get(name.namespace)
    return f"{prefix}:{name.localname}" if prefix else str(name.localname)


def _canonical(element: Any, depth: int = 0) -> str:
    """An element with its attributes, text and children, one per line, ids left out."""
    attributes = " ".join(
        f'{_attribute_key(element, key)}="{value}"'
        for key, value in sorted(element.attrib.items())
        if key != "id"
    )
    text = (element.text or "").strip()
    head = (
        _local(element) + (f" {attributes}" if attributes else "") + (f": {text}" if text else "")
    )
    lines = ["  " * depth + head]
    lines += [_canonical(child, depth + 1) for child in _children(element)]
    return "\n".join(lines)


def _changes(old: Mapping[str, str], new: Mapping[str, str], order: list[str]) -> list[Change]:
    keys = [key for key in order if key in old or key in new]
    keys += sorted((set(old) | set(new)) - set(order))
    return [Change(key, old.get(key), new.get(key)) for key in keys if old.get(key) != new.get(key)]


# ---------------------------------------------------------------- BPMN


@dataclass
class _Side:
    elements: dict[str, Any]
    properties: dict[str, dict[str, str]]
    layout: dict[str, str]
    order: dict[str, int]


def _bpmn_side(root: Any) -> _Side:
    if root is None:
        return _Side({}, {}, {}, {})
    elements: dict[str, Any] = {}
    _collect(root, elements)
    lanes = _lanes(root)
    properties = {
        element_id: _properties(element, elements, lanes)
        for element_id, element in elements.items()
    }
    order = {element_id: index for index, element_id in enumerate(elements)}
    return _Side(elements, properties, _layout(root), order)


def _collect(container: Any, found: dict[str, Any]) -> None:
    for child in _children(container):
        if _namespace(child) != BPMN_NS:
            continue
        local = _local(child)
        if local in ("laneSet", "childLaneSet"):
            _collect(child, found)
            continue
        if local in DETAILS:
            continue
        element_id = child.get("id")
        if element_id:
            found.setdefault(element_id, child)
        if local in CONTAINERS:
            _collect(child, found)
        elif local == "lane":
            # Nested lanes sit in the lane's childLaneSet.
            _collect(child, found)


def _lanes(root: Any) -> dict[str, str]:
    """Flow node id -> the name of the innermost lane holding it (its role code)."""
    found: dict[str, str] = {}
    for lane in root.iter(f"{{{BPMN_NS}}}lane"):
        label = lane.get("name") or lane.get("id") or ""
        for reference in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
            if reference.text and reference.text.strip():
                found[reference.text.strip()] = label
    return found


def _properties(
    element: Any, elements: Mapping[str, Any], lanes: Mapping[str, str]
) -> dict[str, str]:
    properties: dict[str, str] = {"type": _local(element)}

    def add(key: str, value: str) -> None:
        properties[key] = f"{properties[key]}\n{value}" if key in properties else value

    for attribute, value in element.attrib.items():
        key = _attribute_key(element, attribute)
        if key == "id":
            continue
        properties["name" if key == "name" else f"@{key}"] = value
    for child in _children(element):
        local = _local(child)
        if _namespace(child) == BPMN_NS and (
            local in IGNORED_CHILDREN or (child.get("id") in elements and local not in DETAILS)
        ):
            continue
        if local == "extensionElements":
            for key, value in _extensions(child):
                add(key, value)
        elif local == "script":
            add("script", _text(child))
        elif local == "conditionExpression":
            add("condition", _text(child))
        elif local == "documentation":
            add("documentation", _text(child))
        elif local.endswith("EventDefinition"):
            for key, value in _event(child):
                add(key, value)
        else:
            add(local, _canonical(child))
    element_id = element.get("id")
    if element_id in lanes and _local(element) != "lane":
        properties["lane"] = lanes[element_id]
    return properties


def _extensions(extensions: Any) -> Iterator[tuple[str, str]]:
    for child in _children(extensions):
        local = _local(child)
        if _namespace(child) == SPIFF_NS and local == "properties":
            for pair in _children(child):
                if _local(pair) == "property" and pair.get("name"):
                    yield f"property:{pair.get('name')}", pair.get("value") or _text(pair)
        elif len(child) == 0 and not child.attrib:
            yield f"extension:{local}", _text(child)
        else:
            yield f"extension:{local}", _canonical(child)


def _event(definition: Any) -> Iterator[tuple[str, str]]:
    kind = _local(definition).removesuffix("EventDefinition")
    yield "event", kind
    if kind == "timer":
        for child in _children(definition):
            yield "timer", f"{_local(child)}: {_text(child)}"
        return
    for reference in ("messageRef", "signalRef", "errorRef", "escalationRef"):
        if definition.get(reference):
            yield reference.removesuffix("Ref"), definition.get(reference)
    if kind == "conditional":
        for child in _children(definition):
            yield "condition", _text(child)
        return
    rest = [child for child in _children(definition)]
    if rest:
        yield "eventDetails", "\n".join(_canonical(child) for child in rest)


def _layout(root: Any) -> dict[str, str]:
    """Element id -> where its shape or edge (and label) is drawn."""
    found: dict[str, str] = {}
    for tag in ("BPMNShape", "BPMNEdge"):
        for drawn in root.iter(f"{{{BPMNDI_NS}}}{tag}"):
            element_id = drawn.get("bpmnElement")
            if not element_id:
                continue
            parts = [
                f"{key}={drawn.get(key)}"
                for key in ("isExpanded", "isHorizontal", "isMarkerVisible")
                if drawn.get(key) is not None
            ]
            for node in drawn.iter(f"{{{DC_NS}}}Bounds", f"{{{DI_NS}}}waypoint"):
                parts.append(
                    ",".join(
                        f"{key}={_number(node.get(key))}"
                        for key in ("x", "y", "width", "height")
                        if node.get(key) is not None
                    )
                )
            found[element_id] = found.get(element_id, "") + ";".join(parts)
    return found


def _number(value: str | None) -> str:
    try:
        return f"{float(value or 0):g}"
    except ValueError:
        return value or ""


def _bpmn_diff(old_root: Any, new_root: Any) -> list[ElementDiff]:
    old, new = _bpmn_side(old_root), _bpmn_side(new_root)
    found: list[ElementDiff] = []
    for element_id, properties in new.properties.items():
        name = properties.get("name", "")
        kind = properties["type"]
        if element_id not in old.properties:
            found.append(ElementDiff(element_id, kind, name, ADDED))
            continue
        changes = _changes(old.properties[element_id], properties, BPMN_ORDER)
        moved = old.layout.get(element_id) != new.layout.get(element_id)
        if changes:
            found.append(ElementDiff(element_id, kind, name, CHANGED, changes, moved=moved))
        elif moved:
            found.append(ElementDiff(element_id, kind, name, MOVED))
    for element_id, properties in old.properties.items():
        if element_id not in new.properties:
            found.append(
                ElementDiff(element_id, properties["type"], properties.get("name", ""), REMOVED)
            )

    def place(element: ElementDiff) -> tuple[int, int]:
        side = old if element.status == REMOVED else new
        return STATUS_ORDER[element.status], side.order.get(element.id, 0)

    return sorted(found, key=place)


# ---------------------------------------------------------------- what a change reaches


def _mark_inside(files: list[FileDiff], old: Mapping[str, str], new: Mapping[str, str]) -> None:
    """Mark the elements whose form, decision table or called stage changed."""
    by_path = {found.path: found for found in files}
    changed_forms = {
        found.path.removeprefix("forms/")
        for found in files
        if found.kind == "form" and found.substantive
    }
    changed_decisions: dict[str, str] = {}
    for found in files:
        if found.kind == "dmn" and found.substantive:
            for table in found.tables:
                changed_decisions[table.id] = found.path
            if found.status in (ADDED, REMOVED) or found.error:
                for decision_id in {
                    *_decision_ids(old.get(found.path)),
                    *_decision_ids(new.get(found.path)),
                }:
                    changed_decisions[decision_id] = found.path
    # Where each process is defined: the new bundle, else the old (a stage removed or now
    # unreadable is still a change where it is called).
    old_files, _old_roots = _process_files(old)
    new_files, roots = _process_files(new)
    process_files = {**old_files, **new_files}

    def own_reach(element: Any) -> set[str]:
        """The changed files one element uses directly."""
        reach: set[str] = set()
        local = _local(element)
        if local == "userTask":
            for key, value in _extensions_of(element):
                form_keys = (f"property:{FORM_SCHEMA_PROPERTY}", f"property:{FORM_UI_PROPERTY}")
                if key in form_keys and value in changed_forms:
                    reach.add(f"forms/{value}")
        elif local == "businessRuleTask":
            for key, value in _extensions_of(element):
                if key == "extension:calledDecisionId" and value.strip() in changed_decisions:
                    reach.add(changed_decisions[value.strip()])
        return reach

    memo: dict[str, set[str]] = {}

    def process_reach(process_id: str, seen: frozenset[str]) -> set[str]:
        """The changed files a called process brings in: its own file and what it uses."""
        if process_id in memo:
            return memo[process_id]
        path = process_files.get(process_id)
        if path is None or process_id in seen:
            return set()
        reach: set[str] = set()
        if by_path.get(path) is not None and by_path[path].substantive:
            reach.add(path)
        root = roots.get(path)
        process = (
            next(
                (p for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("id") == process_id),
                None,
            )
            if root is not None
            else None
        )
        for element in process.iter() if process is not None else []:
            if not isinstance(element.tag, str) or _namespace(element) != BPMN_NS:
                continue
            reach |= own_reach(element)
            if _local(element) == "callActivity" and element.get("calledElement"):
                reach |= process_reach(element.get("calledElement"), seen | {process_id})
        memo[process_id] = reach
        return reach

    for path, root in roots.items():
        diffed = by_path.get(path)
        if diffed is None or diffed.status == ADDED:
            continue
        listed = {element.id: element for element in diffed.elements}
        elements: dict[str, Any] = {}
        _collect(root, elements)
        for element_id, element in elements.items():
            reach = own_reach(element)
            if _local(element) == "callActivity" and element.get("calledElement"):
                reach |= process_reach(element.get("calledElement"), frozenset())
            reach.discard(path)
            if not reach:
                continue
            entry = listed.get(element_id)
            if entry is None:
                entry = ElementDiff(element_id, _local(element), element.get("name") or "", INSIDE)
                diffed.elements.append(entry)
                listed[element_id] = entry
            elif entry.status == MOVED:
                entry.status, entry.moved = INSIDE, True
            elif entry.status not in (CHANGED, INSIDE):
                continue
            entry.inside = sorted(reach)
        order = {element_id: index for index, element_id in enumerate(elements)}
        diffed.elements.sort(key=lambda e: (STATUS_ORDER[e.status], order.get(e.id, 0)))


def _process_files(sources: Mapping[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
    """Process id -> the BPMN file defining it, and the parsed files that could be read."""
    files: dict[str, str] = {}
    roots: dict[str, Any] = {}
    for path in sorted(sources):
        if not path.endswith(".bpmn"):
            continue
        try:
            roots[path] = _safe_xml(path, sources[path])
        except DeploymentError:
            continue
        for process in roots[path].iter(f"{{{BPMN_NS}}}process"):
            if process.get("id"):
                files.setdefault(process.get("id"), path)
    return files, roots


def _extensions_of(element: Any) -> Iterator[tuple[str, str]]:
    for child in _children(element):
        if _local(child) == "extensionElements":
            yield from _extensions(child)


def _decision_ids(text: str | None) -> list[str]:
    if text is None:
        return []
    try:
        root = _safe_xml("", text)
    except DeploymentError:
        return []
    return [d.get("id") for d in root.iter() if _is(d, "decision") and d.get("id")]


def _is(element: Any, local: str) -> bool:
    return isinstance(element.tag, str) and _local(element) == local


# ---------------------------------------------------------------- forms


def _field_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(
        isinstance(item, dict) and "const" in item and set(item) <= {"const", "title"}
        for item in value
    ):
        return "; ".join(
            f"{_field_value(item['const'])}（{item['title']}）"
            if "title" in item
            else _field_value(item["const"])
            for item in value
        )
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        return ", ".join(_field_value(item) for item in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _fields(schema: Any) -> dict[str, dict[str, str]]:
    """Field path -> its keywords as text, with "required" from its parent's list."""
    found: dict[str, dict[str, str]] = {}

    def walk(node: Any, prefix: str) -> None:
        if not isinstance(node, dict) or not isinstance(node.get("properties"), dict):
            return
        required: list[Any] = node["required"] if isinstance(node.get("required"), list) else []
        for name, sub in node["properties"].items():
            path = f"{prefix}{name}"
            keywords: dict[str, str] = {"required": "true" if name in required else "false"}
            if isinstance(sub, dict):
                for key, value in sub.items():
                    nested = key == "properties" or (
                        key == "items" and isinstance(value, dict) and "properties" in value
                    )
                    if nested or (key == "required" and isinstance(value, list)):
                        continue
                    keywords[key] = _field_value(value)
                walk(sub, f"{path}.")
                if isinstance(sub.get("items"), dict):
                    walk(sub["items"], f"{path}[].")
            else:
                keywords["schema"] = _field_value(sub)
            found[path] = keywords

    walk(schema, "")
    return found


def _form_keywords(schema: Any) -> dict[str, str]:
    if not isinstance(schema, dict):
        return {"form:schema": _field_value(schema)}
    keywords = {}
    for key, value in schema.items():
        if key in ("properties", "required", "$schema", "type"):
            continue
        if key in FORM_CONDITIONS:
            continue
        keywords[f"form:{key}"] = _field_value(value)
    conditions = {key: schema[key] for key in FORM_CONDITIONS if key in schema}
    if conditions:
        keywords["form:conditions"] = json.dumps(
            conditions, ensure_ascii=False, sort_keys=True, indent=1
        )
    return keywords


def _form_diff(old: Any, new: Any) -> tuple[list[FieldDiff], list[Change]]:
    old_fields = _fields(old) if old is not None else {}
    new_fields = _fields(new) if new is not None else {}
    found: list[FieldDiff] = []
    for path, keywords in new_fields.items():
        title = keywords.get("title", "")
        if path not in old_fields:
            found.append(FieldDiff(path, title, ADDED))
            continue
        changes = _changes(old_fields[path], keywords, FORM_ORDER)
        if changes:
            found.append(FieldDiff(path, title, CHANGED, changes))
    for path, keywords in old_fields.items():
        if path not in new_fields:
            found.append(FieldDiff(path, keywords.get("title", ""), REMOVED))
    found.sort(key=lambda field_diff: STATUS_ORDER[field_diff.status])
    form_changes: list[Change] = []
    if old is not None and new is not None:
        form_changes = _changes(
            _form_keywords(old), _form_keywords(new), ["form:title", "form:description"]
        )
    return found, form_changes


# ---------------------------------------------------------------- DMN


@dataclass
class _Table:
    id: str
    name: str
    keywords: dict[str, str]
    inputs: list[tuple[str, dict[str, str]]]
    outputs: list[tuple[str, dict[str, str]]]
    # rule id -> (description, {column id: cell text})
    rules: dict[str, tuple[str, dict[str, str]]]


def _first(element: Any, local: str) -> Any:
    return next((child for child in _children(element) if _local(child) == local), None)


def _all(element: Any, local: str) -> list[Any]:
    return [child for child in _children(element) if _local(child) == local]


def _child_text(element: Any, local: str) -> str:
    found = _first(element, local)
    return _text(found) if found is not None else ""


def _tables(root: Any) -> dict[str, _Table]:
    found: dict[str, _Table] = {}
    if root is None:
        return found
    for decision in (e for e in root.iter() if _is(e, "decision")):
        decision_id = decision.get("id") or ""
        table = _first(decision, "decisionTable")
        keywords: dict[str, str] = {}
        if decision.get("name"):
            keywords["name"] = decision.get("name")
        if table is None:
            body = [_canonical(child) for child in _children(decision)]
            keywords["decision"] = "\n".join(body)
            found[decision_id] = _Table(
                decision_id, decision.get("name") or "", keywords, [], [], {}
            )
            continue
        for key in ("hitPolicy", "aggregation", "preferredOrientation"):
            if table.get(key):
                keywords[key] = table.get(key)
        inputs = []
        for index, column in enumerate(_all(table, "input")):
            expression = _first(column, "inputExpression")
            column_keywords = {"label": column.get("label") or ""}
            if expression is not None:
                column_keywords["expression"] = _child_text(expression, "text")
                if expression.get("typeRef"):
                    column_keywords["typeRef"] = expression.get("typeRef")
            inputs.append((column.get("id") or f"input-{index + 1}", column_keywords))
        outputs = []
        for index, column in enumerate(_all(table, "output")):
            column_keywords = {"label": column.get("label") or ""}
            for attribute, key in (("name", "outputName"), ("typeRef", "typeRef")):
                if column.get(attribute):
                    column_keywords[key] = column.get(attribute)
            outputs.append((column.get("id") or f"output-{index + 1}", column_keywords))
        rules: dict[str, tuple[str, dict[str, str]]] = {}
        for index, rule in enumerate(_all(table, "rule")):
            cells: dict[str, str] = {}
            for (column_id, _kw), entry in zip(inputs, _all(rule, "inputEntry"), strict=False):
                cells[column_id] = _child_text(entry, "text")
            for (column_id, _kw), entry in zip(outputs, _all(rule, "outputEntry"), strict=False):
                cells[column_id] = _child_text(entry, "text")
            description = _child_text(rule, "description")
            rules[rule.get("id") or f"rule-{index + 1}"] = (description, cells)
        found[decision_id] = _Table(
            decision_id, decision.get("name") or "", keywords, inputs, outputs, rules
        )
    return found


def _dmn_diff(old_root: Any, new_root: Any) -> list[TableDiff]:
    old, new = _tables(old_root), _tables(new_root)
    found: list[TableDiff] = []
    for decision_id, table in new.items():
        before = old.get(decision_id)
        if before is None:
            found.append(TableDiff(decision_id, table.name, ADDED))
            continue
        diff = _table_diff(before, table)
        if diff.changes or diff.columns or diff.rules:
            found.append(diff)
    for decision_id, table in old.items():
        if decision_id not in new:
            found.append(TableDiff(decision_id, table.name, REMOVED))
    return found


def _table_diff(old: _Table, new: _Table) -> TableDiff:
    diff = TableDiff(new.id, new.name or old.name, CHANGED)
    diff.changes = _changes(old.keywords, new.keywords, ["name", "hitPolicy"])
    labels: dict[str, str] = {}
    for kind, before, after in (
        ("input", old.inputs, new.inputs),
        ("output", old.outputs, new.outputs),
    ):
        old_columns, new_columns = dict(before), dict(after)
        for column_id, keywords in [*after, *before]:
            labels.setdefault(column_id, keywords.get("label") or column_id)
        for column_id, keywords in after:
            if column_id not in old_columns:
                diff.columns.append(ColumnDiff(column_id, kind, labels[column_id], ADDED))
            elif changes := _changes(old_columns[column_id], keywords, ["label", "expression"]):
                diff.columns.append(
                    ColumnDiff(column_id, kind, labels[column_id], CHANGED, changes)
                )
        for column_id, _keywords in before:
            if column_id not in new_columns:
                diff.columns.append(ColumnDiff(column_id, kind, labels[column_id], REMOVED))
    columns = [column_id for column_id, _kw in [*new.inputs, *new.outputs]]
    columns += [c for c, _kw in [*old.inputs, *old.outputs] if c not in columns]
    new_order = list(new.rules)
    old_order = list(old.rules)
    for number, (rule_id, (description, cells)) in enumerate(new.rules.items(), start=1):
        if rule_id not in old.rules:
            diff.rules.append(
                RuleDiff(
                    rule_id,
                    number,
                    ADDED,
                    description,
                    [CellDiff(labels[c], None, cells[c]) for c in columns if c in cells],
                )
            )
            continue
        old_description, old_cells = old.rules[rule_id]
        differing = [
            CellDiff(labels[c], old_cells.get(c), cells.get(c))
            for c in columns
            if old_cells.get(c, "").strip() != cells.get(c, "").strip()
        ]
        changes = _changes({"description": old_description}, {"description": description}, [])
        if differing or changes:
            diff.rules.append(RuleDiff(rule_id, number, CHANGED, description, differing, changes))
    for number, (rule_id, (description, cells)) in enumerate(old.rules.items(), start=1):
        if rule_id not in new.rules:
            diff.rules.append(
                RuleDiff(
                    rule_id,
                    number,
                    REMOVED,
                    description,
                    [CellDiff(labels[c], cells[c], None) for c in columns if c in cells],
                )
            )
    kept_old = [rule_id for rule_id in old_order if rule_id in new.rules]
    kept_new = [rule_id for rule_id in new_order if rule_id in old.rules]
    if kept_old != kept_new:
        diff.changes.append(Change("ruleOrder", ", ".join(kept_old), ", ".join(kept_new)))
    return diff
