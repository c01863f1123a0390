"""Demo requests at the window: one open, one referred to 人社 waiting for the reply, one
complaint waiting to be accepted. Called by seed_demo after the cases (assistance.demo)."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import User

from assistance.ids import make_resident_id
from assistance.models import Region
from onewindow import actions
from onewindow.models import Channel, Department, HelpRequest


def seed_demo(users: Mapping[str, User], regions: Mapping[str, Region]) -> None:
    if HelpRequest.objects.exists():
        return
    clerk = users["clerk"]
    village = regions["431102001001"]
    from datetime import date

    def register(name: str, born: date, need: str, channel: str) -> HelpRequest:
        number = make_resident_id("431102", born, 61, "F") if name else ""
        return actions.do_register_request(
            actions.RequestData(
                region_id=village.pk,
                need=need,
                channel=channel,
                name=name,
                resident_id=number,
                phone="13800000000" if name else "",
            ),
            actor=clerk,
        )

    register("赵小梅", date(1990, 4, 2), "丈夫去世，想问能否申请低保。", Channel.COUNTER)
    referred = register(
        "钱大勇", date(1978, 9, 12), "工厂倒闭后失业，求职和失业保险金。", Channel.PHONE
    )
    actions.do_refer(
        referred,
        actor=clerk,
        department=Department.HUMAN_RESOURCES,
        note="请协助办理失业登记和失业保险金申领。",
    )
    complaint = register(
        "", date(1970, 1, 1), "反映某村干部亲属不符合条件却享受低保。", Channel.LETTER
    )
    actions.do_register_complaint(complaint, actor=clerk, anonymous=True)
