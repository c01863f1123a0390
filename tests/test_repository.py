"""A clone stands alone: documentation inside the repository and current, the demo installs
only what it needs, test fixtures and test servers' files stay out of the product."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from django.contrib.staticfiles import finders

from assistance.policy import PARAMS

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_it_documents_the_design_rules_and_operations_in_the_repository():
    names = {path.name for path in DOCS}
    assert {"design.md", "domain.md", "operations.md"} <= names
    readme = (ROOT / "README.md").read_text()
    for page in ("docs/design.md", "docs/domain.md", "docs/operations.md"):
        assert f"]({page})" in readme


def test_it_links_nothing_outside_the_repository():
    broken = []
    for path in DOCS:
        text = path.read_text()
        broken += [f"{path.name}: {m}" for m in re.findall(r"\.\./[\w./-]+", text)]
        for target in LINK.findall(text):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            resolved = (path.parent / target).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                broken.append(f"{path.name}: {target}")
    assert broken == []


def test_it_lists_every_policy_parameter_in_the_business_rules():
    domain = (ROOT / "docs" / "domain.md").read_text()
    assert [name for name in PARAMS if f"`{name}`" not in domain] == []


def test_it_lists_every_setting_from_the_environment_in_the_operations_guide():
    settings_source = (ROOT / "portal" / "settings.py").read_text()
    variables = set(re.findall(r'env_[a-z]+\(\s*"([A-Z_]+)"', settings_source))
    assert "DOUDI_SECRET_KEY" in variables
    operations = (ROOT / "docs" / "operations.md").read_text()
    example = (ROOT / ".env.example").read_text()
    assert sorted(v for v in variables if f"`{v}`" not in operations) == []
    # And every variable the example sets is one the guide explains.
    set_there = re.findall(r"^([A-Z_]+)=", example, re.M)
    assert sorted(v for v in set_there if f"`{v}`" not in operations) == []


def dry_run(target: str, tmp_path: Path, *variables: str) -> str:
    # A virtualenv that does not exist yet: make prints every step it would take.
    return subprocess.run(
        ["make", "-n", target, f"VENV={tmp_path / 'venv'}", *variables],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_it_installs_only_doudi_for_the_demo_and_takes_an_address(tmp_path):
    steps = dry_run("demo", tmp_path, "ADDR=0.0.0.0:8000")
    installs = [line for line in steps.splitlines() if "pip install" in line and "pip " in line]
    assert any(line.endswith("install --quiet -e .") for line in installs), installs
    assert "[dev]" not in steps
    assert "manage.py demo --addr 0.0.0.0:8000" in steps


def test_it_installs_the_development_tools_for_the_tests(tmp_path):
    assert "-e '.[dev]'" in dry_run("pytest", tmp_path)


def test_it_serves_no_test_fixture_as_a_static_file():
    for name in ("portal/diagram-demo.html", "portal/diagram-demo.json"):
        assert finders.find(name) is None, name


def test_it_keeps_the_s3_servers_own_logs_in_the_tests_folder(s3_server, tmp_path_factory):
    if s3_server.logs is None:
        return  # a server given from outside writes its logs where its owner said
    assert s3_server.logs.is_relative_to(tmp_path_factory.getbasetemp())
    assert sorted(path.name for path in s3_server.logs.iterdir() if "weed" in path.name)


def test_it_starts_with_exactly_two_commands_and_ci_runs_the_second():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in quick_start.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert [line.strip() for line in ci.splitlines() if line.strip().startswith("make ")] == [
        "make test"
    ]


def compose() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_it_copies_every_installed_package_into_the_image():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {
        pattern.rstrip("*")
        for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+) \1$", dockerfile, re.M))
    assert sorted(packages - copied) == []
    # And every folder holding an AppConfig is a package pyproject installs.
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert sorted(apps - packages) == []


def test_it_lets_web_and_worker_scale_out_behind_one_beat():
    services = compose()["services"]
    for name in ("web", "worker"):
        assert "container_name" not in services[name], name
        assert "ports" not in services[name], name
    # The proxy finds every web replica by the service's name in Docker's DNS.
    caddyfile = (ROOT / "docker" / "Caddyfile").read_text()
    assert re.search(r"dynamic a web 8000", caddyfile)
    assert "./docker/Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    assert "respond /metrics 404" in caddyfile
    # Only the proxy publishes ports.
    assert [name for name, service in services.items() if "ports" in service] == ["proxy"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1


def test_it_checks_readiness_of_web_and_worker():
    services = compose()["services"]
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert services["proxy"]["depends_on"]["web"] == {"condition": "service_healthy"}
