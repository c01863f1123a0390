"""The studio's draft editors on their own: tests/browser/fixtures/draft-editor.html holds the
draft file page's contract (the form with its textarea, #draft-editor, the json_script lists,
studio/_editor_assets.html). The test serves it under /test-fixtures/ with the portal's
Content-Security-Policy, answers its check and preview URLs, and records what the page posts
when it saves — no studio view is involved."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from lxml import etree
from playwright.sync_api import Locator, Page, Route, expect
from pytest_django.live_server_helper import LiveServer

from assistance.roles import ROLES
from engine import registry
from engine.bundle import load_bundle
from engine.checks import DeploymentError
from engine.files import bundle_sources, main_files
from portal.schema_forms import SchemaForm
from studio.checks import problem_json
from tests.browser.conftest import screenshot

FIXTURES = Path(__file__).parent / "fixtures"
WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DMN = "https://www.omg.org/spec/DMN/20191111/MODEL/"
# bpmn-js and dmn-js leave out an attribute that has its default value (BPMN 2.0's and DMN
# 1.3's schemas; SpiffWorkflow reads them so too).
DEFAULT_ATTRIBUTES = {("cancelActivity", "true"), ("hitPolicy", "UNIQUE")}
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF, "dmn": DMN}


class DraftPage:
    """The harness page, its check and preview URLs, and what the page posted."""

    def __init__(
        self,
        page: Page,
        live_server: LiveServer,
        *,
        file: str,
        kind: str,
        text: str,
        problems: list[dict[str, Any]] | None = None,
        lang: str = "zh-hans",
    ) -> None:
        self.page = page
        self.url = live_server.url + "/test-fixtures/draft-editor.html"
        self.file, self.kind, self.text, self.lang = file, kind, text, lang
        self.problems = problems or []
        self.revision = 1
        self.posts: list[dict[str, list[str]]] = []
        self.previews: list[dict[str, Any]] = []
        self.checks = 0
        self.errors: list[str] = []
        self.policy = page.request.get(live_server.url + "/login/").headers[
            "content-security-policy"
        ]
        page.on("pageerror", lambda error: self.errors.append(f"{error} {error.stack}"))
        page.on("console", self.console)
        page.on(
            "response",
            lambda response: (
                self.errors.append(f"{response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )
        page.route(live_server.url + "/test-fixtures/**", self.serve)
        # Every refusal by the Content-Security-Policy, with the directive and the script.
        self.violations: list[str] = []
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', (event) =>"
            " console.warn('csp-violation', event.effectiveDirective, event.sourceFile));"
        )

    def console(self, message: Any) -> None:
        if message.text.startswith("csp-violation"):
            self.violations.append(message.text)
        elif message.type == "error" and not message.text.startswith("Applying inline style"):
            self.errors.append(message.text)

    def render(self) -> str:
        with translation.override(self.lang):
            roles = [
                {"code": code, "label": str(label)}
                for code, label in ROLES.items()
                if code in registry.known_roles()
            ]
            evidence = [
                {"code": code, "label": str(label)}
                for code, label in registry.evidence_kinds().items()
            ]
            assets = render_to_string("studio/_editor_assets.html")
        forms = sorted(path.name for path in (WORKFLOWS / "forms").glob("*.json"))
        replacements = {
            "__LANG__": self.lang,
            "__KIND__": self.kind,
            "__FILE__": self.file,
            "__REVISION__": str(self.revision),
            "__SOURCE__": html.escape(self.text, quote=False),
            "__ROLES__": json.dumps(roles, ensure_ascii=False),
            "__FORMS__": json.dumps(forms),
            "__EVIDENCE__": json.dumps(evidence, ensure_ascii=False),
            "__ASSETS__": assets,
        }
        page = (FIXTURES / "draft-editor.html").read_text()
        return re.sub("|".join(replacements), lambda m: replacements[m.group(0)], page)

    def serve(self, route: Route) -> None:
        request = route.request
        name = urlparse(request.url).path.rsplit("/", 1)[-1]
        if name == "draft-editor.html" and request.method == "POST":
            form = parse_qs(request.post_data or "", keep_blank_values=True)
            self.posts.append(form)
            self.text = form["text"][0]
            self.revision += 1
            # The studio redirects back to the page; a redirect fulfilled here would leave
            # Playwright's routing, so the page is answered at once.
            self.answer_page(route)
        elif name == "draft-editor.html":
            self.answer_page(route)
        elif name == "check.json":
            self.checks += 1
            route.fulfill(
                status=200,
                body=json.dumps({"problems": self.problems}),
                headers={"Content-Type": "application/json"},
            )
        elif name == "form-preview" and request.method == "POST":
            form = parse_qs(request.post_data or "")
            schema = json.loads(form["schema"][0])
            self.previews.append({"csrf": request.headers.get("x-csrftoken"), "schema": schema})
            with translation.override(self.lang):
                fragment = SchemaForm(schema).as_div()
            route.fulfill(
                status=200, body=str(fragment), headers={"Content-Type": "text/html; charset=utf-8"}
            )
        else:
            route.fulfill(status=404, body="")

    def answer_page(self, route: Route) -> None:
        route.fulfill(
            status=200,
            body=self.render(),
            headers={
                "Content-Type": "text/html; charset=utf-8",
                "Content-Security-Policy": self.policy,
            },
        )

    def open(self) -> None:
        self.page.goto(self.url)
        self.wait_ready()

    def wait_ready(self) -> None:
        try:
            expect(self.page.locator("#draft-editor")).to_have_attribute("data-state", "ready")
        except AssertionError:
            raise AssertionError(f"the editor did not start: {self.errors}") from None

    def save(self) -> str:
        """Click the editor's save button; the page posts, is sent back, and loads again."""
        posts = len(self.posts)
        with self.page.expect_navigation():
            self.page.locator(".studio-toolbar .studio-save").click()
        self.wait_ready()
        assert len(self.posts) == posts + 1
        assert self.posts[-1]["action"] == ["save"]
        assert self.posts[-1]["csrfmiddlewaretoken"] == ["test-csrf-token"]
        return self.posts[-1]["text"][0]

    def assert_no_errors(self, *, watermark: bool = False) -> None:
        """No script error and no refusal by the policy. dmn-js's bpmn.io watermark (which its
        licence forbids changing) sets inline style attributes, which the policy refuses;
        editor.css places it instead. Its dist also warns that Inferno is a development build."""
        allowed = "csp-violation style-src-attr " + self.page.url.split("/test-fixtures")[0]
        allowed += "/static/vendor/dmn-js/dmn-modeler.production.min.js"
        assert [v for v in self.violations if not (watermark and v == allowed)] == []
        noise = "It looks like you're using a minified copy of the development build of Inferno"
        assert [e for e in self.errors if not (watermark and e.startswith(noise))] == []


def shape(page: Page, element_id: str) -> Locator:
    return page.locator(f'#draft-editor .djs-element[data-element-id="{element_id}"]')


def show(page: Page, element_id: str, *, left_edge: bool = False) -> Locator:
    """Scroll the diagram (not the page) so the element, or its left edge, is in the middle of
    the canvas, clear of the palette, as a person would by dragging it there."""
    page.evaluate(
        """([id, leftEdge]) => {
            const modeler = document.getElementById("draft-editor").doudiModeler;
            const canvas = modeler.get("canvas");
            const element = modeler.get("elementRegistry").get(id);
            let x, y;
            if (element.waypoints) {
                // The middle of the longest segment: on the line, away from the shapes.
                let best = 0;
                element.waypoints.slice(1).forEach((b, i) => {
                    const a = element.waypoints[i];
                    const length = Math.hypot(b.x - a.x, b.y - a.y);
                    if (length > best) {
                        best = length; x = (a.x + b.x) / 2; y = (a.y + b.y) / 2;
                    }
                });
            } else {
                x = leftEdge ? element.x + 12 : element.x + element.width / 2;
                y = element.y + element.height / 2;
            }
            canvas.zoom(1);
            const box = canvas.viewbox();
            canvas.viewbox({x: x - box.width / 2, y: y - box.height / 2,
                            width: box.width, height: box.height});
        }""",
        [element_id, left_edge],
    )
    return shape(page, element_id)


def select(page: Page, element_id: str) -> None:
    # A shape's corner: the middle may lie under a sequence flow.
    target = show(page, element_id)
    if element_id.startswith("f_"):
        # Centred in the canvas by show().
        box = page.locator("#draft-editor .studio-canvas").bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    else:
        target.click(position={"x": 8, "y": 8})


def panel(page: Page) -> Locator:
    return page.locator("#draft-editor .studio-properties")


def parse(text: str) -> Any:
    return etree.fromstring(text.encode())


def properties(root: Any, element_id: str) -> dict[str, str]:
    element = root.find(f".//*[@id='{element_id}']")
    return {
        p.get("name"): p.get("value")
        for p in element.findall("bpmn:extensionElements/spiffworkflow:properties/*", NS)
    }


def canonical(root: Any, skip: frozenset[str] = frozenset()) -> Counter[str]:
    """Every element that carries meaning, as a string: tag, attributes, text, and the nearest
    id above it; namespace prefixes and whitespace do not matter, nor what bpmn-js adds to the
    drawing on its own (an exclusive gateway's marker flag, an empty label of a shape) or
    leaves out as the default."""
    found: Counter[str] = Counter()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == f"{{{BPMNDI}}}BPMNLabel" and len(element) == 0:
            continue
        owner = next((a.get("id") for a in element.iterancestors() if a.get("id")), root.get("id"))
        if element.get("id") in skip or owner in skip:
            continue
        attributes = sorted(
            (k, v)
            for k, v in element.attrib.items()
            if k != "isMarkerVisible" and (k, v) not in DEFAULT_ATTRIBUTES
        )
        text = " ".join((element.text or "").split())
        found[f"{owner}|{element.tag}|{attributes}|{text}"] += 1
    return found


@pytest.fixture
def dibao() -> str:
    return (WORKFLOWS / "dibao.bpmn").read_text()


@pytest.fixture
def phone(page: Page) -> Iterator[Page]:
    page.set_viewport_size({"width": 390, "height": 844})
    yield page


@pytest.mark.django_db(transaction=True)
def test_it_edits_doudi_attributes_in_the_panel_and_saves_them_in_the_diagram(
    page: Page, live_server: LiveServer, dibao: str
) -> None:
    problems = [
        {
            "file": "dibao.bpmn",
            "element": "gw_opinion",
            "name": "审核意见",
            "line": 131,
            "message": "条件读取的变量 opinion_x 在此之前没有任何表单或脚本提供",
        },
        {
            "file": "forms/dibao_opinion.json",
            "element": "",
            "name": "",
            "line": None,
            "message": "表单不是有效的 JSON Schema",
        },
    ]
    draft = DraftPage(
        page, live_server, file="dibao.bpmn", kind="bpmn", text=dibao, problems=problems
    )
    draft.open()
    expect(page.locator("#draft-source")).to_be_hidden()

    # The server's problem is at its element and in the list; the other file's only in the list.
    server = page.locator('.studio-problem[data-source="server"]')
    expect(server).to_have_count(2)
    expect(server.first).to_contain_text("审核意见 (gw_opinion)")
    expect(server.first).to_contain_text("第 131 行")
    expect(server.nth(1)).to_contain_text("在文件 forms/dibao_opinion.json")
    expect(page.locator('.studio-badge[data-element="gw_opinion"]')).to_be_visible()
    expect(shape(page, "gw_opinion")).to_have_class(re.compile(r"\bstudio-has-error\b"))
    server.first.locator("button").click()
    expect(panel(page).locator(".bio-properties-panel-header-label")).to_have_text("审核意见")

    # A user task: its form, due date, evidence and separation of duties.
    select(page, "acceptance")
    expect(panel(page).locator(".bio-properties-panel-header-label")).to_have_text("受理审查")
    form = panel(page).locator("#bio-properties-panel-form")
    expect(form).to_have_value("dibao_acceptance.json")
    form.select_option("dibao_supplement.json")
    due = panel(page).locator("#bio-properties-panel-dueDate")
    expect(due).to_have_value("add_working_days(today(), policy['acceptance_working_days'])")
    due.fill("add_working_days(today(), 7)")
    panel(page).locator("#bio-properties-panel-evidence-check_authorisation").uncheck()
    panel(page).locator("#bio-properties-panel-exclusions-supplement").check()
    # The debounced text field is written before the selection moves on.
    page.wait_for_timeout(400)

    # A lane: its role. Undo and redo go through the command stack.
    lane = show(page, "Lane_township_investigator", left_edge=True)
    box = lane.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 12, box["y"] + box["height"] / 2)
    role = panel(page).locator("#bio-properties-panel-laneRole")
    expect(role).to_have_value("township_investigator")
    role.select_option("county_investigator")
    expect(lane).to_contain_text("county_investigator")
    page.locator(".studio-toolbar .studio-undo").click()
    expect(lane).to_contain_text("township_investigator")
    page.locator(".studio-toolbar .studio-redo").click()
    expect(lane).to_contain_text("county_investigator")
    expect(page.locator(".studio-status")).to_have_text("有未保存的修改")
    screenshot(page, "modeler-dibao-panel")

    saved = draft.save()
    assert draft.checks == 2  # on load, and again after the save brought the page back
    before, after = parse(dibao), parse(saved)
    assert properties(after, "acceptance") == {
        "formJsonSchemaFilename": "dibao_supplement.json",
        "dueDate": "add_working_days(today(), 7)",
        "evidenceRequired": "application_form,hukou,id_cards,income_declaration",
        "evidenceRequiredWhen": "acceptance_decision == 'complete'",
        "excludeActorsOf": "supplement",
    }
    lane_after = after.find(".//bpmn:lane[@id='Lane_township_investigator']", NS)
    assert lane_after.get("name") == "county_investigator"
    assert lane_after.findtext("bpmn:documentation", namespaces=NS) == "县民政调查"
    # Everything else survived, the DI included.
    changed = frozenset({"acceptance", "Lane_township_investigator"})
    assert canonical(after, changed) == canonical(before, changed)
    lane_before = before.find(".//bpmn:lane[@id='Lane_township_investigator']", NS)
    assert [ref.text for ref in lane_after.findall("bpmn:flowNodeRef", NS)] == [
        ref.text for ref in lane_before.findall("bpmn:flowNodeRef", NS)
    ]

    # After the save the editor shows the saved text, with nothing left unsaved.
    expect(page.locator(".studio-status")).to_have_text("没有未保存的修改")
    select(page, "acceptance")
    expect(panel(page).locator("#bio-properties-panel-form")).to_have_value("dibao_supplement.json")
    draft.assert_no_errors()


@pytest.mark.django_db(transaction=True)
def test_it_edits_scripts_and_conditions(page: Page, live_server: LiveServer, dibao: str) -> None:
    draft = DraftPage(page, live_server, file="dibao.bpmn", kind="bpmn", text=dibao)
    draft.open()
    select(page, "withdrawn")
    script = panel(page).locator("#bio-properties-panel-script")
    expect(script).to_have_value("outcome = 'withdrawn'\ndecided_on = today()")
    expect(script).to_have_class(re.compile(r"bio-properties-panel-input-monospace"))
    script.fill("outcome = 'withdrawn'\nwithdrawn_on = today()")
    page.wait_for_timeout(400)
    select(page, "f_incomplete")
    condition = panel(page).locator("#bio-properties-panel-condition")
    expect(condition).to_have_value("acceptance_decision == 'incomplete'")
    condition.fill("acceptance_decision in ('incomplete', 'partial')")
    page.wait_for_timeout(400)
    saved = parse(draft.save())
    assert saved.findtext(".//bpmn:scriptTask[@id='withdrawn']/bpmn:script", namespaces=NS) == (
        "outcome = 'withdrawn'\nwithdrawn_on = today()"
    )
    assert saved.findtext(
        ".//bpmn:sequenceFlow[@id='f_incomplete']/bpmn:conditionExpression", namespaces=NS
    ) == ("acceptance_decision in ('incomplete', 'partial')")
    draft.assert_no_errors()

    # Leaving with unsaved changes asks first.
    select(page, "withdrawn")
    panel(page).locator("#bio-properties-panel-script").fill("outcome = 'gone'")
    page.wait_for_timeout(400)
    dialogs: list[str] = []

    def answer(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]


@pytest.mark.django_db(transaction=True)
def test_it_saves_every_shipped_diagram_with_its_attributes_intact(
    page: Page, live_server: LiveServer
) -> None:
    for path in sorted(WORKFLOWS.glob("*.bpmn")):
        text = path.read_text()
        draft = DraftPage(page, live_server, file=path.name, kind="bpmn", text=text)
        draft.open()
        saved = draft.save()
        assert canonical(parse(saved)) == canonical(parse(text)), path.name
        page.unroute_all()
        draft.assert_no_errors()


# Run the editor's linter once more and answer what it found (the run on import may still be
# under way when the page says it is ready).
LINT_NOW = """() => new Promise((resolve) => {
    const modeler = document.getElementById("draft-editor").doudiModeler;
    modeler.get("eventBus").once("doudi.lint.done", ({issues}) => resolve(
        issues.map((issue) => `${issue.rule} ${issue.element}: ${issue.message}`)));
    modeler.get("doudiLinting").run();
})"""


def deploy_problems() -> dict[str, list[dict[str, Any]]]:
    """The server's deploy checks on every shipped bundle, by the file each is about, as the
    studio's check.json gives them."""
    found: dict[str, list[dict[str, Any]]] = {}
    for main in main_files(WORKFLOWS):
        try:
            load_bundle(bundle_sources(WORKFLOWS, main), main.name)
        except DeploymentError as error:
            for problem in error.details:
                found.setdefault(problem.file or main.name, []).append(problem_json(problem))
    return found


def outside_their_lanes(text: str) -> list[str]:
    """The steps drawn outside their lane (bpmnlint checks only the pool)."""
    root = parse(text)
    bounds = {
        shape.get("bpmnElement"): [
            float(shape.find(f"{{{DC}}}Bounds").get(key)) for key in ("x", "y", "width", "height")
        ]
        for shape in root.iter(f"{{{BPMNDI}}}BPMNShape")
    }
    found = []
    for lane in root.iter(f"{{{BPMN}}}lane"):
        lx, ly, lw, lh = bounds[lane.get("id")]
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            x, y, w, h = bounds[ref.text]
            if x < lx or y < ly or x + w > lx + lw or y + h > ly + lh:
                found.append(f"{ref.text}: outside its lane {lane.get('id')}")
    return found


@pytest.mark.django_db(transaction=True)
def test_it_opens_every_shipped_diagram_without_a_lint_message(
    page: Page, live_server: LiveServer
) -> None:
    """A policy officer opening a shipped diagram sees an empty problem list: nothing
    overlapping or outside its pool, no gateway that both joins and forks, nothing the deploy
    checks refuse; and every step is drawn inside its lane."""
    server = deploy_problems()
    found: dict[str, list[str]] = {}
    for path in sorted(WORKFLOWS.glob("*.bpmn")):
        text = path.read_text()
        draft = DraftPage(
            page,
            live_server,
            file=path.name,
            kind="bpmn",
            text=text,
            problems=server.get(path.name, []),
        )
        draft.open()
        problems = page.locator("#draft-editor .studio-problems")
        expect(problems).to_have_attribute("data-state", "ready")
        lint = page.evaluate(LINT_NOW)
        expect(problems).to_have_attribute("data-lint", str(len(lint)))
        checks = [f"deploy check: {p['message']}" for p in server.get(path.name, [])]
        expect(problems).to_have_attribute("data-server", str(len(checks)))
        found[path.name] = lint + checks + outside_their_lanes(text)
        screenshot(page, f"modeler-shipped-{path.stem}")
        page.unroute_all()
        draft.assert_no_errors()
    report = [f"{name} {issue}" for name, issues in found.items() for issue in issues]
    assert report == [], "\n".join(report)


@pytest.mark.django_db(transaction=True)
def test_it_lints_a_user_task_without_a_form_while_drawing(
    page: Page, live_server: LiveServer, dibao: str
) -> None:
    draft = DraftPage(page, live_server, file="dibao.bpmn", kind="bpmn", text=dibao)
    draft.open()
    lint = page.locator('.studio-problem[data-source="lint"][data-element="opinion"]')
    expect(lint).to_have_count(0)
    # The shipped diagram opens with no lint message at all (see the test above).
    expect(page.locator('.studio-problem[data-source="lint"]')).to_have_count(0)

    select(page, "opinion")
    panel(page).locator("#bio-properties-panel-form").select_option("")
    expect(lint).to_have_count(1)
    expect(lint).to_contain_text("人工任务没有指定表单文件")
    expect(lint).to_contain_text("建模检查")
    expect(page.locator('.studio-badge[data-element="opinion"]')).to_be_visible()
    screenshot(page, "modeler-lint")
    page.locator(".studio-toolbar .studio-undo").click()
    expect(lint).to_have_count(0)

    # A lane named with the role's label instead of its code.
    show(page, "Lane_township_reviewer", left_edge=True)
    box = shape(page, "Lane_township_reviewer").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 12, box["y"] + box["height"] / 2)
    panel(page).locator("#bio-properties-panel-name").fill("乡镇审核")
    expect(lint).to_contain_text("泳道 <乡镇审核> 不是已知的角色")
    expect(panel(page).locator("#bio-properties-panel-laneRole")).to_contain_text(
        "乡镇审核（未知角色）"
    )

    # An exclusive gateway that splits with neither a condition nor a default flow.
    gateway = page.locator('.studio-problem[data-source="lint"][data-element="gw_supplement"]')
    select(page, "f_supplied")
    panel(page).locator("#bio-properties-panel-condition").fill("")
    page.wait_for_timeout(400)
    select(page, "f_withdraw")
    default = panel(page).locator("#bio-properties-panel-defaultFlow")
    expect(default).to_be_checked()
    default.uncheck()
    expect(gateway).to_contain_text("排他网关有多条流出，但既没有条件也没有默认分支")
    draft.assert_no_errors()


@pytest.mark.django_db(transaction=True)
def test_it_speaks_english_on_an_english_page(
    page: Page, live_server: LiveServer, dibao: str
) -> None:
    draft = DraftPage(page, live_server, file="dibao.bpmn", kind="bpmn", text=dibao, lang="en")
    draft.open()
    expect(page.locator(".studio-toolbar .studio-save")).to_have_text("Save")
    select(page, "opinion")
    expect(panel(page).locator(".bio-properties-panel-group-header-title").nth(1)).to_have_text(
        "Task"
    )
    panel(page).locator("#bio-properties-panel-form").select_option("")
    lint = page.locator('.studio-problem[data-source="lint"][data-element="opinion"]')
    expect(lint).to_contain_text("User task has no form")
    # The editor's own words are English; the diagram's names stay as the diagram has them.
    own = page.locator(
        "#draft-editor .studio-toolbar, #draft-editor .bio-properties-panel-label,"
        " #draft-editor .bio-properties-panel-group-header-title,"
        " #draft-editor .bio-properties-panel-header-type, #draft-editor .studio-problem-source,"
        " #draft-editor .studio-problem-severity, #draft-editor .studio-problem-message,"
        " #draft-editor .studio-problems-title, #draft-editor .studio-problems-note"
    ).all_inner_texts()
    chinese = [text for text in own if re.search(r"[\u4e00-\u9fff]", text)]
    # Other user tasks offered for separation of duties are named as in the diagram.
    assert [text for text in chinese if not re.search(r"\(\w+\)$", text)] == []
    draft.assert_no_errors()


@pytest.mark.django_db(transaction=True)
def test_it_edits_a_decision_table(page: Page, live_server: LiveServer) -> None:
    text = (WORKFLOWS / "tekun_care_level.dmn").read_text()
    draft = DraftPage(page, live_server, file="tekun_care_level.dmn", kind="dmn", text=text)
    draft.open()
    table = page.locator("#draft-editor .tjs-table")
    expect(table).to_be_visible()
    expect(table).to_contain_text("护理等级")
    cell = table.locator("td", has_text=">= 4")
    cell.click()
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    page.keyboard.type("5")
    page.locator("#draft-editor h1, .studio-toolbar .studio-status").first.click()
    expect(page.locator(".studio-status")).to_have_text("有未保存的修改")
    screenshot(page, "modeler-dmn")
    saved = parse(draft.save())
    before = parse(text)
    assert saved.findtext(".//dmn:inputEntry[@id='InputEntry_full']/dmn:text", namespaces=NS) == (
        ">= 5"
    )
    assert canonical(saved, frozenset({"InputEntry_full"})) == canonical(
        before, frozenset({"InputEntry_full"})
    )
    expect(page.locator("#draft-editor .tjs-table")).to_contain_text(">= 5")
    draft.assert_no_errors(watermark=True)


@pytest.mark.django_db(transaction=True)
def test_it_adds_a_form_field_and_previews_it(page: Page, live_server: LiveServer) -> None:
    text = (WORKFLOWS / "forms" / "dibao_opinion.json").read_text()
    draft = DraftPage(page, live_server, file="forms/dibao_opinion.json", kind="form", text=text)
    draft.open()
    fields = page.locator(".studio-field")
    expect(fields).to_have_count(2)
    expect(fields.first.locator(".studio-field-options")).to_have_value(
        "approve = 同意，提交公示\nrefuse = 不同意"
    )
    preview = page.locator(".studio-preview-body")
    expect(preview).to_contain_text("审核意见")

    page.locator(".studio-add-field").click()
    new = fields.nth(2)
    new.locator(".studio-field-name").fill("visit_date")
    new.locator(".studio-field-title").fill("走访日期")
    new.locator(".studio-field-type").select_option("date")
    new.locator(".studio-field-required").check()
    expect(preview).to_contain_text("走访日期")
    assert draft.previews[-1]["csrf"] == "test-csrf-token"
    assert draft.previews[-1]["schema"]["properties"]["visit_date"] == {
        "title": "走访日期",
        "type": "string",
        "format": "date",
    }
    expect(preview.locator('input[type="date"]')).to_have_count(1)
    screenshot(page, "modeler-form")

    page.locator(".studio-tab-json").click()
    expect(page.locator(".studio-json")).to_have_value(re.compile('"visit_date"'))
    saved = json.loads(draft.save())
    original = json.loads(text)
    assert saved["required"] == ["opinion", "visit_date"]
    assert list(saved["properties"]) == ["opinion", "opinion_reasons", "visit_date"]
    for key in ("if", "then", "additionalProperties", "$schema", "title"):
        assert saved[key] == original[key]
    assert saved["properties"]["opinion"] == original["properties"]["opinion"]
    draft.assert_no_errors()


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_editors_within_a_phone_screen(
    phone: Page, live_server: LiveServer, dibao: str
) -> None:
    page = phone
    draft = DraftPage(page, live_server, file="dibao.bpmn", kind="bpmn", text=dibao)
    draft.open()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    select(page, "acceptance")
    expect(panel(page).locator("#bio-properties-panel-form")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "modeler-phone")

    text = (WORKFLOWS / "forms" / "dibao_opinion.json").read_text()
    page.unroute_all()
    draft = DraftPage(page, live_server, file="forms/dibao_opinion.json", kind="form", text=text)
    draft.open()
    expect(page.locator(".studio-preview-body")).to_contain_text("审核意见")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "modeler-form-phone")
    draft.assert_no_errors()
