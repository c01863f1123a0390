"""A4 pages in Chinese with fpdf2: the layout shared by every notice.

The font comes from the `pylopdf-fonts-zh-cn` wheel (Noto Serif SC, SIL OFL), a dependency
of the project, so a fresh `pip install` prints Chinese with no system fonts. fpdf2 embeds
only the glyphs used, which keeps a notice near 20 KB.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pylopdf_fonts_zh_cn
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

# fontTools reports every glyph it subsets at INFO; a notice is not worth a page of log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT = "notoserifsc"
BODY_SIZE = 12
LINE = 8


@dataclass(frozen=True)
class Table:
    headings: Sequence[str]
    rows: Sequence[Sequence[str]]
    # Relative column widths; equal when empty.
    widths: Sequence[int] = ()


@dataclass(frozen=True)
class Page:
    """One notice: a title, an addressee, paragraphs, an optional table and the issuer."""

    title: str
    number: str
    issuer: str
    issued_on: str
    addressee: str = ""
    paragraphs: Sequence[str] = ()
    items: Sequence[str] = ()
    table: Table | None = None
    after: Sequence[str] = ()


def render(page: Page, *, created: datetime) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    # A fixed creation date makes the same notice the same bytes, hence the same evidence key.
    pdf.set_creation_date(created)
    pdf.set_title(page.title)
    pdf.set_creator("Doudi")
    pdf.set_margins(25, 22, 25)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.add_font(FONT, fname=str(pylopdf_fonts_zh_cn.serif_path()))
    pdf.add_page()
    _heading(pdf, page)
    if page.addressee:
        _line(pdf, f"{page.addressee}：")
    for paragraph in page.paragraphs:
        _paragraph(pdf, paragraph)
    for index, item in enumerate(page.items, start=1):
        _paragraph(pdf, f"{index}. {item}", indent=False)
    if page.table is not None:
        _table(pdf, page.table)
    for paragraph in page.after:
        _paragraph(pdf, paragraph)
    _signature(pdf, page)
    return bytes(pdf.output())


def _heading(pdf: FPDF, page: Page) -> None:
    pdf.set_font(FONT, size=20)
    pdf.cell(0, 14, page.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 7, page.number, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font(FONT, size=BODY_SIZE)


def _line(pdf: FPDF, text: str) -> None:
    pdf.cell(0, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _paragraph(pdf: FPDF, text: str, *, indent: bool = True) -> None:
    # Chinese paragraphs open with two full-width spaces rather than a tab.
    for line in wrap(pdf, ("\u3000\u3000" if indent else "") + text, pdf.epw):
        pdf.cell(0, LINE, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


# Never at the start of a line (避头): closing punctuation hangs at the end of the line before.
NO_LINE_START = frozenset("，。、；：？！）》」』】〕…—,.;:?!)%")


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Lines of at most `width`, breaking between any two characters as Chinese does, except
    before closing punctuation, which stays with the character before it."""
    lines: list[str] = []
    line = ""
    for char in text:
        if line and pdf.get_string_width(line + char) > width and char not in NO_LINE_START:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line or not lines else lines


def _table(pdf: FPDF, table: Table) -> None:
    pdf.ln(2)
    pdf.set_font(FONT, size=10.5)
    widths = tuple(table.widths) or tuple(1 for _ in table.headings)
    # One regular face only: headings are set apart by a fill, not by bold.
    headings = FontFace(emphasis="", fill_color=(235, 235, 235))
    with pdf.table(
        col_widths=widths, text_align="CENTER", line_height=LINE, headings_style=headings
    ) as grid:
        heading = grid.row()
        for text in table.headings:
            heading.cell(text)
        for values in table.rows:
            row = grid.row()
            for text in values:
                row.cell(text)
    pdf.set_font(FONT, size=BODY_SIZE)
    pdf.ln(3)


def _signature(pdf: FPDF, page: Page) -> None:
    pdf.ln(10)
    pdf.cell(0, LINE, page.issuer, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, LINE, page.issued_on, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
