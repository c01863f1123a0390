"""Load test: concurrent people using the portal through gunicorn, on PostgreSQL.

    python bench/load.py [--users 50] [--duration 60] [--runs 3] [--think 1.0]
                         [--workers 3] [--threads 1] [--reuse]
                         [--database-url postgres://root@127.0.0.1:5432/doudi_bench_load]

Seeds the demo (deploy_workflows, seed_demo, seed_payments_demo: what `manage.py demo` does
before serving) into a fresh database, starts gunicorn on loopback the way the image does
(`-c python:portal.gunicorn_conf`, metrics in multiprocess mode) with DEBUG off, and runs
`--users` virtual people. Each signs in as a role of a realistic mix (township clerk,
investigator, county approver, auditor; a fifth are public visitors with no sign-in), all at
once, timed on its own (a sign-in hashes the password, slow on purpose, once a working
session); then for `--duration` seconds per run each opens that role's pages one after
another, waiting a random 0.5–1.5 × `--think` seconds between pages (0: no pause, a stress
test). Prints, per page kind and overall, the count, median and p95 in milliseconds and the
errors (HTTP 4xx/5xx, failed connections, a page answered with the sign-in form), and as JSON;
with several runs, the min and median of the overall p95. `--reuse` skips recreating and
seeding the database (a second run on one seeded database).

The sign-in lockout (django-axes) and the API's rate limits are raised for the server so that
hundreds of sign-ins from one address within seconds are not taken for an attack; the public
site's limits count only posted forms, which this load does not send.

The load generator is the standard library (threads and urllib, a cookie jar per person), so
it shares the machine's cores with the server: figures are for comparing runs on one machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py is named like the standard library's `queue`: keep bench/ off the import path.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import http.cookiejar  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

DEMO_PASSWORD = "doudi-demo"
# (share of the people, demo user names to sign in as; None: a public visitor)
ROLE_MIX: list[tuple[str, float, list[str] | None]] = [
    ("township_clerk", 0.30, ["clerk"]),
    ("township_investigator", 0.20, ["investigator", "investigator2"]),
    ("county_approver", 0.20, ["approver"]),
    ("auditor", 0.10, ["auditor"]),
    ("public", 0.20, None),
]
TIMEOUT_SECONDS = 120.0
# A page answered with the sign-in form instead: counted as an error.
SENT_TO_SIGN_IN = -1
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Pages:
    """What there is to open, found in the seeded database: (kind, path) per role."""

    by_role: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def seed() -> None:
    from django.core.management import call_command

    call_command("deploy_workflows", verbosity=0)
    call_command("seed_demo", verbosity=0)
    call_command("seed_payments_demo", verbosity=0)


def find_pages() -> Pages:
    from assistance.models import Case, Household, Region
    from engine.models import Task
    from public.models import NoticePeriod

    township = Region.objects.get(code="431102001")
    cases = list(
        Case.objects.filter(region__path__startswith=township.path)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    households = list(
        Household.objects.filter(region__path__startswith=township.path)
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    def tasks(role: str) -> list[tuple[str, str]]:
        ids = Task.objects.filter(lane_role=role, region__path__startswith=township.path)
        return [("task", f"/tasks/{pk}/") for pk in ids.values_list("pk", flat=True)]

    case_pages = [("case", f"/cases/{pk}/") for pk in cases]
    notices = [
        ("public_notice", f"/public/notices/{pk}/")
        for pk in NoticePeriod.objects.order_by("pk").values_list("pk", flat=True)[:5]
    ]
    pages = Pages()
    pages.by_role["township_clerk"] = [
        ("inbox", "/"),
        ("search", "/search/?q=%E5%88%98"),
        *[("household", f"/households/{pk}/") for pk in households],
        *case_pages,
        *tasks("township_clerk"),
    ]
    pages.by_role["township_investigator"] = [
        ("inbox", "/"),
        *case_pages,
        *tasks("township_investigator"),
    ]
    pages.by_role["county_approver"] = [
        ("inbox", "/"),
        *case_pages,
        *tasks("county_approver"),
    ]
    pages.by_role["auditor"] = [
        ("audit_home", "/audit/"),
        ("audit_search", "/audit/search/?q=%E5%88%98"),
        *[("audit_case", f"/audit/cases/{pk}/") for pk in cases],
    ]
    pages.by_role["public"] = [
        ("public_home", "/public/"),
        ("public_notices", "/public/notices/"),
        ("public_disclosure", "/public/disclosure/"),
        ("public_apply", "/public/apply/"),
        *notices,
    ]
    return pages


def database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    auth = urllib.parse.quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + urllib.parse.quote(db["PASSWORD"])
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn on loopback, against the database Django is set up with."""

    def __init__(self, *, workers: int, threads: int, workdir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.metrics_dir = workdir / "metrics"
        self.log_path = workdir / "gunicorn.log"
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"PYTEST_VERSION", "PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER"}
            and not key.startswith("DOUDI_")
        }
        env.update(
            DATABASE_URL=database_url(),
            DJANGO_SETTINGS_MODULE="portal.settings",
            DOUDI_DEBUG="false",
            DOUDI_VAR_DIR=str(workdir / "var"),
            # Hundreds of sign-ins from one address in seconds are the load, not an attack.
            DOUDI_LOGIN_FAILURE_LIMIT="100000",
            DOUDI_API_RATE_STAFF="1000000/min",
            DOUDI_API_RATE_SYSTEM="1000000/min",
            DOUDI_LOG_LEVEL="WARNING",
            PROMETHEUS_MULTIPROC_DIR=str(self.metrics_dir),
        )
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:portal.gunicorn_conf",
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
        ]
        if threads > 1:
            command += ["--threads", str(threads)]
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/readyz", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not become ready within 60 s")

    def requests_counted(self) -> int:
        """Requests the server's own metrics counted (all workers, multiprocess mode)."""
        with urllib.request.urlopen(f"{self.base}/metrics", timeout=30) as answer:
            text = answer.read().decode()
        pattern = re.compile(r"^doudi_http_request_duration_seconds_count\{[^}]*\} (\S+)$", re.M)
        return int(sum(float(value) for value in pattern.findall(text)))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@dataclass
class Sample:
    kind: str
    seconds: float
    status: int  # 0: no answer (connection failed, timed out); SENT_TO_SIGN_IN


def failed(status: int) -> bool:
    return status <= 0 or status >= 400


class Person:
    """One browser: its own cookies (session), its role's pages, its own random choices."""

    def __init__(
        self, base: str, role: str, username: str | None, pages: list[tuple[str, str]], seed: int
    ) -> None:
        self.base = base
        self.role = role
        self.username = username
        self.pages = pages
        self.random = random.Random(seed)
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.samples: list[Sample] = []

    def fetch(self, kind: str, path: str, data: dict[str, str] | None = None) -> str:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        status = 0
        text = ""
        try:
            with self.opener.open(f"{self.base}{path}", body, timeout=TIMEOUT_SECONDS) as answer:
                text = answer.read().decode("utf-8", "replace")
                status = answer.status
                # Sent back to the sign-in page: the session is gone or never was.
                if kind != "login_form" and urllib.parse.urlsplit(answer.geturl()).path == (
                    "/login/"
                ):
                    status = SENT_TO_SIGN_IN
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.read()
        except (urllib.error.URLError, OSError):
            status = 0
        # Only this person's thread appends here: no lock needed.
        self.samples.append(Sample(kind, time.perf_counter() - started, status))
        return text

    def sign_in(self) -> None:
        if self.username is None:
            return
        form = self.fetch("login_form", "/login/")
        token = CSRF_INPUT.search(form)
        self.fetch(
            "login",
            "/login/",
            {
                "username": self.username,
                "password": DEMO_PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
        )

    def browse(self, until: float, think: float) -> None:
        while time.monotonic() < until:
            kind, path = self.random.choice(self.pages)
            self.fetch(kind, path)
            if think > 0:
                time.sleep(think * self.random.uniform(0.5, 1.5))

    def take_samples(self) -> list[Sample]:
        taken, self.samples = self.samples, []
        return taken


def all_at_once(people: list[Person], work: Callable[[Person], None], wait: float) -> list[Sample]:
    threads = [threading.Thread(target=work, args=(person,), daemon=True) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(wait)
    return [sample for person in people for sample in person.take_samples()]


def roles_for(users: int) -> list[str]:
    """`users` roles in the mix's proportions (largest remainders), every role at least once
    when there are enough people."""
    shares = [(role, share * users) for role, share, _ in ROLE_MIX]
    counts = {role: int(exact) for role, exact in shares}
    left = users - sum(counts.values())
    for role, _exact in sorted(shares, key=lambda item: item[1] - int(item[1]), reverse=True):
        if left == 0:
            break
        counts[role] += 1
        left -= 1
    return [role for role, _share, _names in ROLE_MIX for _ in range(counts[role])]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def summarise(samples: list[Sample], duration: float) -> dict[str, Any]:
    def figures(chosen: list[Sample]) -> dict[str, Any]:
        times = [sample.seconds * 1000 for sample in chosen]
        return {
            "count": len(chosen),
            "median_ms": round(statistics.median(times), 1) if times else None,
            "p95_ms": round(percentile(times, 0.95), 1) if times else None,
            "errors": sum(1 for sample in chosen if failed(sample.status)),
        }

    kinds = sorted({sample.kind for sample in samples})
    overall = figures(samples)
    overall["requests_per_s"] = round(len(samples) / duration, 1) if duration else None
    return {
        "overall": overall,
        "kinds": {kind: figures([s for s in samples if s.kind == kind]) for kind in kinds},
        "statuses": {
            str(status): sum(1 for sample in samples if sample.status == status)
            for status in sorted({sample.status for sample in samples})
        },
    }


def make_people(base: str, pages: Pages, users: int) -> list[Person]:
    names = {role: usernames for role, _share, usernames in ROLE_MIX}
    people = []
    for index, role in enumerate(roles_for(users)):
        usernames = names[role]
        username = usernames[index % len(usernames)] if usernames else None
        people.append(Person(base, role, username, pages.by_role[role], seed=index))
    return people


def one_run(people: list[Person], *, duration: float, think: float) -> dict[str, Any]:
    started = time.monotonic()
    samples = all_at_once(
        people,
        lambda person: person.browse(started + duration, think),
        duration + TIMEOUT_SECONDS * 2,
    )
    return summarise(samples, time.monotonic() - started)


def run(
    *,
    users: int = 50,
    duration: float = 60.0,
    runs: int = 1,
    think: float = 1.0,
    workers: int = 3,
    threads: int = 1,
    seed_data: bool = True,
) -> dict[str, Any]:
    """Seed the demo into the database Django is set up with, serve it with gunicorn and load
    it `runs` times; the report as a dict."""
    if seed_data:
        seed()
    pages = find_pages()
    workdir = Path(tempfile.mkdtemp(prefix="doudi-load-"))
    server = Server(workers=workers, threads=threads, workdir=workdir)
    try:
        counted_before = server.requests_counted()
        people = make_people(server.base, pages, users)
        # Everyone signs in at once first (the morning's rush), timed on its own: a sign-in
        # is slow on purpose (the password hash) and happens once a working session.
        started = time.monotonic()
        signing_in = all_at_once(people, Person.sign_in, TIMEOUT_SECONDS * 3)
        sign_in = summarise(signing_in, time.monotonic() - started)
        results = [one_run(people, duration=duration, think=think) for _ in range(runs)]
        counted = server.requests_counted() - counted_before
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    p95s = [result["overall"]["p95_ms"] for result in results]
    return {
        "users": users,
        "duration_s": duration,
        "think_s": think,
        "gunicorn": {"workers": workers, "threads": threads},
        "sign_in": sign_in,
        "runs": results,
        "overall_p95_ms": {"min": min(p95s), "median": statistics.median(p95s)},
        "errors": sign_in["overall"]["errors"]
        + sum(result["overall"]["errors"] for result in results),
        "requests": sign_in["overall"]["count"]
        + sum(result["overall"]["count"] for result in results),
        # The server's own count over all its workers (/metrics in multiprocess mode); the
        # /metrics reads themselves are not counted, as the endpoint is answered before.
        "requests_counted_by_server": counted,
    }


def print_report(report: dict[str, Any]) -> None:
    print(f"sign-in: {report['sign_in']['overall']}")
    for kind, figures in report["sign_in"]["kinds"].items():
        print(f"  {kind:18} {figures}")
    for number, result in enumerate(report["runs"], 1):
        print(f"run {number}: {result['overall']}")
        for kind, figures in result["kinds"].items():
            print(f"  {kind:18} {figures}")
    print(
        f"overall p95 ms over {len(report['runs'])} run(s): {report['overall_p95_ms']}; "
        f"errors {report['errors']} of {report['requests']} requests"
    )
    print(json.dumps(report, ensure_ascii=False))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between pages, s")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (the image's 3)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/doudi_bench_load")
    parser.add_argument(
        "--reuse", action="store_true", help="use the database a previous run seeded as it is"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    from bench.fresh_db import fresh_django

    if args.reuse:
        os.environ["DATABASE_URL"] = args.database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        import django

        django.setup()
    else:
        fresh_django(args.database_url)
    report = run(
        seed_data=not args.reuse,
        users=args.users,
        duration=args.duration,
        runs=args.runs,
        think=args.think,
        workers=args.workers,
        threads=args.threads,
    )
    print_report(report)


if __name__ == "__main__":
    main()
