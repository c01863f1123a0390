"""Demo content of the public site: the service guide, policies and hotline, written as the
province's and the demo county's policy staff would."""

from __future__ import annotations

from typing import Any

from public.models import PageKind, PublicPage

PROVINCE_PAGES = [
    (
        PageKind.GUIDE,
        "最低生活保障办事指南",
        "申请条件：共同生活的家庭成员人均收入低于当地最低生活保障标准，且家庭财产状况符合规定的，可以申请最低生活保障。\n\n"
        "申请方式：由共同生活的家庭成员向户籍所在地乡镇人民政府（街道办事处）提出书面申请；"
        "也可以委托村（居）民委员会代为提出。\n\n"
        "需要材料：户口簿、身份证、家庭收入和财产申报及承诺、家庭经济状况核对授权书；"
        "残疾、患病的提供残疾证或医院诊断证明。\n\n"
        "办理流程：受理 → 家庭经济状况核对 → 入户调查 → 乡镇审核并在村（居）公示7天 → "
        "县级民政部门审批。"
        "全部办理时限一般不超过30个工作日。",
    ),
    (
        PageKind.GUIDE,
        "公示与异议",
        "乡镇审核意见在申请人所在村（居）公示，内容为姓名、保障人数和拟保障金额；"
        "身份证号码、住址等个人信息不予公开。未成年人和事实无人抚养儿童不予公示。\n\n"
        "对公示有异议的，可以在公示期内通过本网站提出，或向村（居）民委员会、乡镇人民政府反映。"
        "乡镇人民政府将重新调查核实，并重新提出意见、重新公示。",
    ),
    (
        PageKind.POLICY,
        "社会救助暂行办法（摘要）",
        "国家对共同生活的家庭成员人均收入低于当地最低生活保障标准，且符合当地最低生活保障家庭财产状况规定的家庭，给予最低生活保障。\n\n"
        "最低生活保障标准，由省、自治区、直辖市或者设区的市级人民政府按照当地居民生活必需的费用确定、公布，并根据当地经济社会发展水平和物价变动情况适时调整。",
    ),
    (
        PageKind.HOTLINE,
        "社会救助服务热线",
        "全省社会救助服务热线：12345（政务服务便民热线）\n工作日 8:30—17:30",
    ),
]

COUNTY_PAGES = [
    (
        PageKind.HOTLINE,
        "零陵区社会救助热线",
        "零陵区民政局社会救助股：0746-6222345\n"
        "东镇人民政府民政办：0746-6831001\n"
        "西镇人民政府民政办：0746-6831002\n"
        "工作日 8:30—12:00，14:30—17:30",
    ),
    (
        PageKind.POLICY,
        "零陵区2026年最低生活保障标准",
        "城市最低生活保障标准：每人每月780元。\n\n农村最低生活保障标准：每人每月560元。",
    ),
]


def seed_demo(users: dict[str, Any], regions: dict[str, Any]) -> None:
    if PublicPage.objects.exists():
        return
    from engine.clock import clock

    author = users["policy"]
    for position, (kind, title, body) in enumerate(PROVINCE_PAGES):
        PublicPage.objects.create(
            kind=kind,
            title=title,
            body=body,
            position=position,
            updated_at=clock.now(),
            updated_by=author,
        )
    for position, (kind, title, body) in enumerate(COUNTY_PAGES):
        PublicPage.objects.create(
            kind=kind,
            region=regions["431102"],
            title=title,
            body=body,
            position=position,
            updated_at=clock.now(),
            updated_by=author,
        )
