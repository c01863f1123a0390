"""Every public page, fetched with real ids from a world with adults, minors and orphans in
and out of notice: no resident ID, no address, no minor's name, no case number (R4, R9)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from assistance.models import Region
from public import urls_apply, urls_site
from public.models import NoticePeriod, PageKind, PublicPage
from tests.public.world import RESIDENT_ID, build

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def _check(response: Any, secrets: list[str], where: str) -> None:
    body = response.content.decode()
    assert not RESIDENT_ID.search(body), f"{where}: a resident ID pattern"
    for secret in secrets:
        assert secret not in body, f"{where}: {secret!r} is shown"


def test_it_shows_no_private_data_on_any_public_page(world):
    public = build(world)
    guide = PublicPage.objects.create(
        kind=PageKind.GUIDE,
        title="办事指南",
        body="申请条件\n\n<script>alert(1)</script>",
        updated_at=public.adult_in_notice.created_at,
        updated_by=world["policy"],
    )
    notices = list(NoticePeriod.objects.values_list("pk", flat=True))
    assert len(notices) == 3  # two adults' and an unattended child's
    regions = [None, *Region.objects.order_by("pk").values_list("pk", flat=True)]
    values = {"notice_id": notices, "kind": ["guide", "policies", "hotline"], "page_id": [guide.pk]}
    client = Client()
    fetched: dict[str, int] = {}
    for pattern in urls_site.urlpatterns:
        assert isinstance(pattern, URLPattern)
        names = list(pattern.pattern.regex.groupindex)
        combos: list[dict[str, Any]] = [{}]
        for name in names:
            assert name in values, f"give the privacy sweep real values for <{name}>"
            combos = [{**combo, name: value} for combo in combos for value in values[name]]
        for kwargs in combos:
            url = reverse(f"public:{pattern.name}", kwargs=kwargs)
            for region in regions:
                for extra in ("", "&list=first", "&list=confirmed", "&list=terminated"):
                    query = f"?region={region}{extra}" if region else ""
                    response = client.get(url + query)
                    assert response.status_code in (200, 302, 404), url + query
                    _check(response, public.secrets, url + query)
                    fetched[pattern.name or ""] = fetched.get(pattern.name or "", 0) + 1
    # The online applications' pages without ids are swept too (their own tests cover the rest).
    for pattern in urls_apply.urlpatterns:
        if isinstance(pattern, URLPattern) and not pattern.pattern.regex.groupindex:
            response = client.get(reverse(f"public:{pattern.name}"))
            _check(response, public.secrets, str(pattern.pattern))
    # The notices show the adults' names; the lists name the confirmed and terminated adults.
    body = client.get(reverse("public:notices") + f"?region={world.county.pk}").content.decode()
    assert "张大山" in body and "王秀兰" in body
    disclosure = reverse("public:disclosure") + f"?region={world.county.pk}"
    assert "钱有福" in client.get(disclosure + "&list=confirmed").content.decode()
    assert "周长庚" in client.get(disclosure + "&list=terminated").content.decode()
    assert "张大山" in client.get(disclosure + "&list=first").content.decode()
    # A page's text is shown as text, never as markup.
    shown = client.get(reverse("public:pages", args=["guide"])).content.decode()
    assert "&lt;script&gt;" in shown and "<script>alert" not in shown
    # The objection, its receipt and its lookup.
    notice = NoticePeriod.objects.get(case=public.adult_in_notice)
    response = client.post(
        reverse("public:notice", args=[notice.pk]),
        {
            "objector_name": "邻居李四",
            "phone": "13800138000",
            "reason": "他家有经营收入，不符合条件",
        },
        follow=True,
    )
    _check(response, public.secrets, "receipt")
    receipt = response.context["receipt"]
    response = client.post(reverse("public:lookup"), {"receipt": receipt, "phone": "13800138000"})
    assert response.status_code == 200
    assert "13800138000" not in response.content.decode()
    assert "张大山" not in response.content.decode()
    _check(response, public.secrets, "lookup")
    # The ended notice page says so and names nobody.
    response = client.get(reverse("public:notice", args=[notice.pk]))
    _check(response, [*public.secrets, "张大山"], "ended notice")
    assert set(fetched) == {p.name for p in urls_site.urlpatterns if isinstance(p, URLPattern)}
