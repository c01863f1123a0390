"""The case file as a PDF (一户一档): the household and its members, the household's cases, the
processes and policy the case ran on, its decisions and amounts, every scan with its sha256,
and the whole timeline with what each step recorded.

Laid out with fpdf2 and the bundled Chinese font, as the notices are (assistance.documents.pdf),
in the language of the auditor's screen. Bounded: at most MAX_EVENTS events and MAX_VALUE
characters per recorded value; what is left out is said on the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import pylopdf_fonts_zh_cn
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from assistance.documents.pdf import FONT, wrap
from assistance.models import Case
from audit.case_file import Reconstruction
from portal import workflow_text
from portal.templatetags.doudi import money_kind

MAX_EVENTS = 2000
MAX_VALUE = 1000
BODY = 10
LINE = 5.5


def render(file: Reconstruction, *, exported_by: str, created: datetime) -> bytes:
    pdf = _Pdf(file.case.number, exported_by, created)
    _case(pdf, file)
    _household(pdf, file)
    _processes(pdf, file)
    _policy(pdf, file)
    _decisions(pdf, file)
    _evidence(pdf, file)
    _timeline(pdf, file)
    return bytes(pdf.output())


class _Pdf(FPDF):
    def __init__(self, number: str, exported_by: str, created: datetime) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.number = number
        self.stamp = _("Exported by %(who)s at %(when)s") % {
            "who": exported_by,
            "when": _when(created),
        }
        self.set_creation_date(created)
        self.set_title(_("Case file %(number)s") % {"number": number})
        self.set_creator("Doudi")
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.add_font(FONT, fname=str(pylopdf_fonts_zh_cn.serif_path()))
        self.add_page()
        self.set_font(FONT, size=18)
        self.cell(
            0,
            12,
            _("Case file (one household, one file)"),
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_font(FONT, size=11)
        self.cell(0, 7, number, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 5, f"{self.number} · {self.stamp} · {self.page_no()}/{{nb}}", align="C")

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font(FONT, size=13)
        self.cell(0, 9, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=BODY)

    def say(self, text: str, *, indent: float = 0) -> None:
        width = self.epw - indent
        for part in wrap(self, text, width):
            self.set_x(self.l_margin + indent)
            self.cell(width, LINE, part, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def pairs(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label: value lines; those with no value are left out."""
        for label, value in rows:
            if not value.strip():
                continue
            self.say(_("%(label)s: %(value)s") % {"label": label, "value": value})

    def grid(
        self, headings: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]
    ) -> None:
        self.set_font(FONT, size=8.5)
        style = FontFace(emphasis="", fill_color=(235, 235, 235))
        with self.table(
            col_widths=tuple(widths),
            text_align="LEFT",
            line_height=4.6,
            headings_style=style,
            wrapmode=WrapMode.CHAR,
        ) as table:
            row = table.row()
            for text in headings:
                row.cell(text)
            for values in rows:
                row = table.row()
                for text in values:
                    row.cell(_clip(text))
        self.set_font(FONT, size=BODY)
        self.ln(2)


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _clip(text: object) -> str:
    value = "" if text is None else str(text)
    return value if len(value) <= MAX_VALUE else value[:MAX_VALUE] + "…"


def _yes(flag: bool) -> str:
    return _("Yes") if flag else _("No")


def _amount(case: Case) -> str:
    if case.monthly_amount is None:
        return ""
    return _("%(amount)s yuan") % {"amount": case.monthly_amount}


def _case(pdf: _Pdf, file: Reconstruction) -> None:
    case = file.case
    pdf.heading(_("Case"))
    pdf.pairs(
        [
            (_("Case number"), case.number),
            (_("Assistance"), str(case.get_assistance_type_display())),
            (_("Status"), str(case.get_status_display())),
            (_("Stage"), workflow_text.translate(case.stage)),
            (_("Region"), case.region.name),
            (_("Registered"), _when(case.created_at)),
            (_("Decided on"), _day(case.decided_on)),
            (_("Monthly amount"), _amount(case)),
            (_("from"), case.start_month.strftime("%Y-%m") if case.start_month else ""),
            (_("Ended on"), _day(case.ended_on)),
            (_("Reasons"), workflow_text.translate(case.outcome_reasons)),
        ]
    )


def _household(pdf: _Pdf, file: Reconstruction) -> None:
    household = file.case.household
    pdf.heading(_("Household and members"))
    pdf.pairs(
        [
            (_("Address"), household.address),
            (_("Household registration"), str(household.get_hukou_display())),
        ]
    )
    rows = []
    for member in file.members:
        incomes = "；".join(
            f"{money_kind(item.kind)} {item.monthly_amount}" for item in member.incomes.all()
        )
        rows.append(
            [
                member.name,
                member.resident_id,
                _day(member.birth_date),
                str(member.get_sex_display()),
                str(member.get_relation_display()),
                _yes(member.covered),
                str(member.disability_grade or ""),
                _yes(member.seriously_ill),
                incomes,
            ]
        )
    pdf.grid(
        [
            _("Name"),
            _("Resident ID"),
            _("Born"),
            _("Sex"),
            _("Relation"),
            _("Covered"),
            _("Disability grade"),
            _("Seriously ill"),
            _("Monthly income"),
        ],
        rows,
        (14, 26, 16, 8, 12, 10, 10, 10, 30),
    )
    if file.deductions:
        pdf.say(_("Deductions"))
        pdf.grid(
            [_("Kind"), _("Member"), _("Monthly")],
            [
                [
                    money_kind(item.kind),
                    item.member.name if item.member else "",
                    str(item.monthly_amount),
                ]
                for item in file.deductions
            ],
            (30, 30, 20),
        )
    pdf.heading(_("Cases of the household"))
    cases = [file.case, *file.other_cases]
    pdf.grid(
        [_("Case number"), _("Assistance"), _("Status"), _("Monthly amount"), _("Registered")],
        [
            [
                item.number,
                str(item.get_assistance_type_display()),
                str(item.get_status_display()),
                _amount(item),
                _when(item.created_at),
            ]
            for item in cases
        ],
        (30, 26, 16, 20, 24),
    )


def _processes(pdf: _Pdf, file: Reconstruction) -> None:
    pdf.heading(_("Processes the case ran on"))
    for process in file.processes:
        definition = process.definition
        if process.today is None:
            today = _("No version of this process is deployed for the region today.")
        elif process.is_today:
            today = _("This is still today's version.")
        else:
            today = _("Today's version is %(version)s (%(same)s).") % {
                "version": f"v{process.today.version}",
                "same": _("same content")
                if process.same_content_as_today
                else _("content differs"),
            }
        pdf.say(
            f"{workflow_text.translate(definition.name)} · {definition.key} v{definition.version}"
        )
        pdf.pairs(
            [
                (_("Scope"), process.scope),
                (_("Status"), str(process.instance.get_status_display())),
                (_("Started"), _when(process.instance.created_at)),
                (_("Deployed by"), f"{process.deployed_by} {_when(definition.deployed_at)}"),
                (_("Reviewed by"), process.reviewed_by),
                (_("sha256 of the sources"), definition.sha256),
                (_("Today's version"), today),
            ]
            + [
                (
                    _("Moved"),
                    _("from v%(old)s to v%(new)s by %(who)s at %(when)s")
                    % {
                        "old": move.from_version,
                        "new": move.to_version,
                        "who": move.who,
                        "when": _when(move.at),
                    },
                )
                for move in process.migrations
            ]
        )
        pdf.ln(1)


def _policy(pdf: _Pdf, file: Reconstruction) -> None:
    pdf.heading(_("Policy parameters in force"))
    for copy in file.policies:
        title = workflow_text.translate(copy.process.definition.name)
        if copy.changes_only:
            pdf.say(
                _("%(process)s, copied %(day)s: values that differ from the application's")
                % {"process": title, "day": copy.day.isoformat()}
            )
        else:
            pdf.say(
                _("%(process)s, copied %(day)s") % {"process": title, "day": copy.day.isoformat()}
            )
        if not copy.rows:
            pdf.say(_("No difference."))
            continue
        pdf.grid(
            [_("Parameter"), _("Value"), _("Set by")],
            [
                [
                    row.label,
                    row.value,
                    f"{row.source_region} {_day(row.source_from)}"
                    if row.source_region
                    else _("no record in force that day gives this value"),
                ]
                for row in copy.rows
            ],
            (50, 20, 30),
        )
    for process in file.missing_policy:
        pdf.say(
            _("%(process)s kept no copy of the policy (started before processes kept one).")
            % {"process": workflow_text.translate(process.definition.name)}
        )


def _decisions(pdf: _Pdf, file: Reconstruction) -> None:
    pdf.heading(_("Decisions and amounts"))
    if not file.decisions:
        pdf.say(_("No decision yet."))
    for decision in file.decisions:
        pdf.say(f"{_when(decision.at)} · {decision.process}")
        for entry in decision.entries:
            pdf.say(
                _("%(label)s: %(value)s")
                % {"label": entry.label, "value": workflow_text.translate(entry.value)},
                indent=6,
            )


def _evidence(pdf: _Pdf, file: Reconstruction) -> None:
    pdf.heading(_("Evidence"))
    if not file.scans:
        pdf.say(_("No scans yet."))
        return
    rows = []
    for scan in file.scans:
        item = scan.evidence
        kind = str(item.get_kind_display())
        if getattr(item, "superseded_by", None) is not None:
            kind += " " + _("(replaced)")
        views = "；".join(f"{look.who} {_when(look.at)}" for look in scan.views)
        rows.append(
            [
                kind,
                item.original_name,
                item.sha256,
                f"{scan.uploaded_by} {_when(item.uploaded_at)}",
                views or _("none"),
            ]
        )
    pdf.grid(
        [_("Kind"), _("File"), _("sha256"), _("Uploaded by"), _("Viewed by")],
        rows,
        (18, 18, 34, 20, 24),
    )


def _timeline(pdf: _Pdf, file: Reconstruction) -> None:
    pdf.heading(_("Timeline"))
    shown = file.moments[:MAX_EVENTS]
    for moment in shown:
        step = moment.step
        who = moment.who
        details = "，".join(part for part in (moment.role, moment.office) if part)
        if details:
            who = f"{who}（{details}）"
        title = _clip(workflow_text.translate(step.title))
        what = step.action + (_(": ") + title if title else "")
        pdf.say(f"#{step.seq} {_when(step.at)} · {who} · {what}")
        for entry in step.entries:
            pdf.say(
                _("%(label)s: %(value)s")
                % {
                    "label": workflow_text.translate(entry.label),
                    "value": _clip(workflow_text.translate(entry.value)),
                },
                indent=6,
            )
    left = len(file.moments) - len(shown)
    if left > 0:
        pdf.say(
            _("%(count)s later events are not in this file; the case page shows them all.")
            % {"count": left}
        )
