"""The report as a file: XLSX (openpyxl) and PDF (reportlab; its built-in CID font STSong-Light
renders Simplified Chinese without a font file)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from pm_insights.domain.report import Section

FONT = "STSong-Light"


def xlsx(title: str, subtitle: str, sections: list[Section]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "报表 report"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([subtitle])
    for section in sections:
        sheet.append([])
        sheet.append([section.title])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.append(list(section.header))
        for row in section.rows:
            sheet.append(list(row))
    sheet.column_dimensions["A"].width = 38
    for column in "BCDE":
        sheet.column_dimensions[column].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf(title: str, subtitle: str, sections: list[Section]) -> bytes:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    heading = ParagraphStyle("h", fontName=FONT, fontSize=16, leading=22)
    sub = ParagraphStyle("s", fontName=FONT, fontSize=10, leading=14, textColor=colors.grey)
    part = ParagraphStyle("p", fontName=FONT, fontSize=12, leading=18, spaceBefore=6)
    story: list[object] = [Paragraph(title, heading), Paragraph(subtitle, sub), Spacer(1, 4 * mm)]
    for section in sections:
        story.append(Paragraph(section.title, part))
        table = Table([list(section.header), *[[str(c) for c in row] for row in section.rows]], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 9),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ]
            )
        )
        story += [table, Spacer(1, 3 * mm)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=15 * mm, rightMargin=15 * mm).build(story)  # type: ignore[arg-type]
    return out.getvalue()
