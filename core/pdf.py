"""Shared finishing touch for PDFs with Thai text drawn by fpdf2 with harfbuzz shaping."""
from __future__ import annotations

from dataclasses import replace

from fpdf import FPDF


def thai_pdf_bytes(pdf: FPDF) -> bytes:
    """``pdf.output()``, with a ZWSP in the ToUnicode map for the extra glyphs of a cluster.

    harfbuzz draws ำ as two glyphs (ํ + า); fpdf2 gives the first the whole cluster's text
    and leaves the า without a mapping, so readers extract a stray control character there
    ("จำ\\x05นวน"). This touches private fpdf2 state: if it is not there, the PDF is written
    unchanged.
    """
    for font in pdf.fonts.values():
        ids = getattr(getattr(font, "subset", None), "_char_id_per_glyph", None)
        if isinstance(ids, dict):
            font.subset._char_id_per_glyph = {
                replace(g, unicode=(0x200B,)) if getattr(g, "unicode", None) == () else g: c
                for g, c in ids.items()}
    return bytes(pdf.output())
