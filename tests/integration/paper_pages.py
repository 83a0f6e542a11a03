"""Reading a paper the way a reader would: each PDF page drawn to an image and
its words placed, and each Word section measured.

`pdf_page_problems` lists, page by page, what a reader would notice: a page
with next to nothing on it, two words drawn over each other, a word running
across a table's column rule (a cell's text spilling into the next column), or
text off the edge of the sheet. It reads the PDF with PDFium (pypdfium2): the
page drawn to a greyscale image for the ink, the text page for each character's
box, and the page's path objects for the rules between table columns.

`word_layout_problems` checks a Word paper's layout by its structure: every
section has the running header and a "Page N of M" footer, and no table or
picture is wider than the text width of the section it is in. `word_as_pdf`
lays the Word paper out with LibreOffice Writer (headless), as a reader's word
processor would, so its pages go through `pdf_page_problems` too.
"""

from __future__ import annotations

import ctypes
import io
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

MM = 72 / 25.4  # PDF points in a millimetre
# The running header and footer sit in the top and bottom 18 mm of every page
# (report.css, @page); ink there is not the page's content.
MARGIN_BAND = 18 * MM
# Below this share of the body's area in ink, a page is near empty: a heading
# or a line or two stranded on a page of their own (a full page of text is
# about 8% ink, a page of tables 6-12%).
NEAR_EMPTY_INK = 0.006
# Boxes that touch by less than this (points) are not overlapping: glyph boxes
# are tight, but a kerned pair may touch.
TOLERANCE = 0.4
# Text this close to the sheet's edge is off the printable page.
EDGE = 5 * MM


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    left: float
    bottom: float
    right: float
    top: float


@dataclass(frozen=True, slots=True)
class Rule:
    """A vertical line a table draws between columns (or a box's side)."""

    x: float
    bottom: float
    top: float


def pdf_page_problems(pdf: bytes, last_page_may_be_short: bool = True) -> list[str]:
    """What a reader would see wrong on each page, one line each; [] when none.

    ``last_page_may_be_short``: the last page of the paper and of each part
    (before the page turns landscape or back) may hold little; never none."""
    document = pdfium.PdfDocument(pdf)
    problems: list[str] = []
    try:
        count = len(document)
        for index in range(count):
            page = document[index]
            where = f"page {index + 1} of {count}"
            width, height = page.get_size()
            ink = body_ink(page, height)
            # The last page of the paper, and the last of a part that the next
            # turns the page for (portrait to landscape or back), end where
            # their text ends; any other page is full unless something broke.
            last = index == count - 1
            part_end = last or document[index + 1].get_size() != (width, height)
            if ink < NEAR_EMPTY_INK and not (part_end and last_page_may_be_short):
                problems.append(f"{where}: near empty ({ink:.2%} ink)")
            if part_end and ink == 0:
                problems.append(f"{where}: empty")
            words = list(page_words(page))
            for a, b in overlapping(words):
                problems.append(f"{where}: {a.text!r} overlaps {b.text!r}")
            rules = list(vertical_rules(page))
            for word, rule in crossing(words, rules):
                problems.append(
                    f"{where}: {word.text!r} runs across the rule at x={rule.x:.1f}"
                )
            for word in words:
                if (
                    word.left < EDGE
                    or word.right > width - EDGE
                    or word.bottom < EDGE
                    or word.top > height - EDGE
                ):
                    problems.append(f"{where}: {word.text!r} is off the page")
    finally:
        document.close()
    return problems


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text as PDFium reads it."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [
            page.get_textpage().get_text_range()
            for page in (document[i] for i in range(len(document)))
        ]
    finally:
        document.close()


def body_ink(page: pdfium.PdfPage, height: float) -> float:
    """The share of the page between the header and footer bands that is ink."""
    scale = 0.5  # 36 dpi is plenty to tell an empty page from a full one
    image = page.render(scale=scale, grayscale=True).to_numpy()
    grey = image.reshape(image.shape[0], image.shape[1], -1)[:, :, 0]
    band = int(MARGIN_BAND * scale)
    body = grey[band : grey.shape[0] - band, :]
    return float(np.count_nonzero(body < 160)) / body.size


def page_words(page: pdfium.PdfPage) -> Iterator[Word]:
    """The words on a page with their boxes: runs of characters on one line,
    split at spaces and line ends."""
    text = page.get_textpage()
    current: list[tuple[str, tuple[float, float, float, float]]] = []
    for index in range(text.count_chars()):
        char = text.get_text_range(index, 1)
        box = text.get_charbox(index)
        if not char.strip() or box[2] - box[0] <= 0:
            yield from _word(current)
            current = []
            continue
        if current:
            last = current[-1][1]
            same_line = abs(box[1] - last[1]) < 2
            # a gap wider than a kerned pair's: the next word, or the next cell
            next_to = last[0] - TOLERANCE <= box[0] <= last[2] + 1.5
            if not (same_line and next_to):
                yield from _word(current)
                current = []
        current.append((char, box))
    yield from _word(current)


def _word(
    chars: Sequence[tuple[str, tuple[float, float, float, float]]],
) -> Iterator[Word]:
    if chars:
        yield Word(
            "".join(c for c, _ in chars),
            min(b[0] for _, b in chars),
            min(b[1] for _, b in chars),
            max(b[2] for _, b in chars),
            max(b[3] for _, b in chars),
        )


def overlapping(words: Sequence[Word]) -> Iterator[tuple[Word, Word]]:
    """Pairs of words whose boxes overlap by more than the tolerance."""
    if len(words) < 2:
        return
    boxes = np.array([(w.left, w.bottom, w.right, w.top) for w in words])
    left, bottom, right, top = (boxes[:, i] for i in range(4))
    wide = np.minimum(right[:, None], right[None, :]) - np.maximum(
        left[:, None], left[None, :]
    )
    tall = np.minimum(top[:, None], top[None, :]) - np.maximum(
        bottom[:, None], bottom[None, :]
    )
    hits = np.argwhere(np.triu((wide > TOLERANCE) & (tall > TOLERANCE), k=1))
    for i, j in hits:
        yield words[i], words[j]


def vertical_rules(page: pdfium.PdfPage) -> Iterator[Rule]:
    """Vertical edges of the page's drawn paths: table rules, cell sides and
    shaded boxes, in page coordinates."""
    for path in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH]):
        matrix = path.get_matrix()
        points: list[tuple[float, float]] = []
        start: tuple[float, float] | None = None
        for i in range(pdfium_c.FPDFPath_CountSegments(path.raw)):
            segment = pdfium_c.FPDFPath_GetPathSegment(path.raw, i)
            x, y = ctypes.c_float(), ctypes.c_float()
            pdfium_c.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y))
            point = matrix.on_point(x.value, y.value)
            kind = pdfium_c.FPDFPathSegment_GetType(segment)
            if kind == pdfium_c.FPDF_SEGMENT_MOVETO or not points:
                start = point
            else:
                yield from _rule(points[-1], point)
            points.append(point)
            if pdfium_c.FPDFPathSegment_GetClose(segment) and start is not None:
                yield from _rule(point, start)


def _rule(a: tuple[float, float], b: tuple[float, float]) -> Iterator[Rule]:
    if abs(a[0] - b[0]) < 0.01 and abs(a[1] - b[1]) > 4:
        yield Rule(a[0], min(a[1], b[1]), max(a[1], b[1]))


def crossing(
    words: Sequence[Word], rules: Sequence[Rule]
) -> Iterator[tuple[Word, Rule]]:
    """Words that a vertical rule passes through: text out of its cell."""
    seen = set()
    for rule in rules:
        for word in words:
            if (
                word.left + TOLERANCE < rule.x < word.right - TOLERANCE
                and min(word.top, rule.top) - max(word.bottom, rule.bottom) > TOLERANCE
                and (word, rule.x) not in seen
            ):
                seen.add((word, rule.x))
                yield word, rule


def word_layout_problems(docx: bytes) -> list[str]:
    """A Word paper's layout, checked by its structure (see the module's doc)."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Emu

    document = Document(io.BytesIO(docx))
    problems: list[str] = []
    sections = list(document.sections)
    for n, section in enumerate(sections, start=1):
        header = "".join(p.text for p in section.header.paragraphs)
        if not header.strip():
            problems.append(f"section {n}: no running header")
        fields = [
            f.get(qn("w:instr"), "").strip()
            for f in section.footer._element.iter(qn("w:fldSimple"))
        ]
        if fields != ["PAGE", "NUMPAGES"]:
            problems.append(f"section {n}: footer fields {fields}, not Page N of M")
    # Which section each table or picture lies in: a section ends at the
    # paragraph that carries its properties, and the last at the body's end.
    body = document.element.body
    index = 0
    for child in body.iterchildren():
        section = sections[min(index, len(sections) - 1)]
        text_width = Emu(
            section.page_width - section.left_margin - section.right_margin
        )
        if child.tag == qn("w:tbl"):
            for r, row in enumerate(child.iter(qn("w:tr"))):
                widths = [int(w.get(qn("w:w")) or 0) for w in row.iter(qn("w:tcW"))]
                total = Emu(sum(widths) * 635)  # twentieths of a point to EMU
                if total > text_width + 635 * 20:
                    problems.append(
                        f"section {index + 1}: a table row {r} is {total.mm:.0f} mm "
                        f"wide, the text {text_width.mm:.0f} mm"
                    )
                    break
        for extent in child.iter(qn("wp:extent")):
            width = Emu(int(extent.get("cx")))
            if width > text_width:
                problems.append(
                    f"section {index + 1}: a picture is {width.mm:.0f} mm wide, "
                    f"the text {text_width.mm:.0f} mm"
                )
        if (
            child.tag == qn("w:p")
            and child.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None
        ):
            index += 1
    return problems


def word_as_pdf(docx: bytes) -> bytes:
    """The Word paper laid out and printed to PDF by LibreOffice Writer.

    A private LibreOffice profile in a temporary folder, so tests running side by
    side do not share (and lock) one.
    """
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = work / "paper.docx"
        source.write_bytes(docx)
        done = subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation={(work / 'profile').as_uri()}",
                "--convert-to",
                "pdf",
                "--outdir",
                str(work),
                str(source),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        printed = work / "paper.pdf"
        if done.returncode != 0 or not printed.exists():
            raise RuntimeError(
                f"LibreOffice could not lay out the Word paper: {done.stderr[-2000:]}"
            )
        return printed.read_bytes()
