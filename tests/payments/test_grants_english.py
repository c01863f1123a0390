"""The batch grant pages in English show no Chinese but the data (names, places, titles)."""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import reverse

from payments.actions_grants import do_import_relocation_list, do_submit_batch
from tests.payments.grants_world import approve_now, card, good_rows, relocated, rid, xlsx

CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+")
DATA = ["兜底", "中文", "东村", "南村", "西村", "东镇", "西镇", "示范县", "张大山", "李秀英",
        "王建国", "钱未登",
        # The column names a list must carry are quoted in the help, in any language.
        "户主身份证号", "姓名", "村", "搬迁人数", "银行卡号", "开户银行"]  # fmt: skip


def test_it_speaks_english_on_every_page(client, world):
    relocated(world)
    rows = [*good_rows(), [rid(60), "钱未登", "东村", 2, card(60)], [rid(1), "=1+1", "x", 0, "1"]]
    batch = do_import_relocation_list(
        world.county.pk,
        actor=world["finance"],
        file_name="list.xlsx",
        data=xlsx(rows),
        title="Relocation 2026",
    )
    do_submit_batch(batch.pk, actor=world["finance"])
    approve_now(batch.pk, actor=world["approver"], note="OK")
    client.force_login(world["approver"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in (
        reverse("payments:grants"),
        reverse("payments:grant-new-relocation"),
        reverse("payments:grant-new-price-subsidy"),
        reverse("payments:grant-batch", args=[batch.pk]),
    ):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200 and 'lang="en"' in html
        left = {run for run in CJK_RUN.findall(html) if not any(run in d for d in DATA)}
        assert not left, f"{url}: {sorted(left)}"
