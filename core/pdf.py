"""Thai documents in PDF: the one place that knows how to print Thai with fpdf2.

``ThaiDocument`` is an fpdf2 ``FPDF`` with the shipped Sarabun fonts registered and harfbuzz
shaping on; the printed documents (labels, the loan agreement, receipts and certificates)
keep only their content and layout. What Thai needs beyond that lives here too:

* Line breaking. Thai writes no spaces between words, so a line may end only at a space or
  at a word boundary of pythainlp's dictionary-based ``newmm`` segmentation (its dictionary
  plus a few of the center's own words), never inside a word. A code (``BS-WC-00042``), a
  number or a Latin word stays whole, and is cut only when it alone is wider than the line.
* Fitting: shrink a line to a width, put text on at most a number of lines, shrink a
  paragraph into a box. The functions that take a ``Measure`` are pure, so the labels' PNG
  back end (Pillow) lays out with the same plan as the PDF.
* The printable filter: invisible format characters are dropped and characters the font
  lacks print as "?", never as an empty box (``cell`` applies it to every text drawn).
* The ToUnicode fix in ``output()``, so that copied and extracted text is the Thai typed.

Imports no domain module.
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from itertools import accumulate, combinations, pairwise
from pathlib import Path
from typing import Any
from collections.abc import Callable

from fpdf import FPDF
from pythainlp.corpus import thai_words
from pythainlp.tokenize import word_tokenize
from pythainlp.util import Trie, dict_trie

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT_FAMILY = "Sarabun"
FONT_FILES = {"": FONT_DIR / "Sarabun-Regular.ttf", "B": FONT_DIR / "Sarabun-Bold.ttf"}
MM_PER_PT = 25.4 / 72
# Line height in mm per pt of font size: about 1.5 times the size, as Thai stacks marks
# above and below the letters.
LINE_HEIGHT = 0.53
# Breaking at a space (between phrases) reads better than between two words, as long as
# the line stays this full.
SPACE_FILL = 0.8

# Words the center prints often that newmm's dictionary splits ("กาย|อุปกรณ์"): a line
# break inside them reads as badly as one inside any other word.
EXTRA_WORDS = frozenset({"กายอุปกรณ์", "ผู้พิการ", "ที่นอนลม", "แผลกดทับ", "ไม้ค้ำยัน"})

# (text, style "" or "B", size in pt) -> width in mm, as shaped by the back end that draws it.
Measure = Callable[[str, str, float], float]

_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")
_LEADING_VOWELS = "\u0e40\u0e41\u0e42\u0e43\u0e44"  # เ แ โ ใ ไ: written before their consonant
# Marks and vowels that belong to the letter before them: ะ า ำ ๅ ๆ ฯ and the combining marks.
_ATTACHED = "\u0e30-\u0e3a\u0e45-\u0e4e\u0e2f"
# A character cluster, the smallest piece a word that is too long may be cut into.
_CLUSTER = re.compile(f"[{_LEADING_VOWELS}]?[^{_ATTACHED}][{_ATTACHED}]*|[{_ATTACHED}]+")


@lru_cache(maxsize=1)
def _dictionary() -> Trie:
    # Built on first use (about a second), not at import.
    return dict_trie(thai_words() | EXTRA_WORDS)


def words(text: str) -> list[str]:
    """``text`` in newmm words with ``EXTRA_WORDS``; spaces are tokens of their own."""
    return word_tokenize(text, custom_dict=_dictionary(), engine="newmm", keep_whitespace=True)


def _breakable(before: str, after: str) -> bool:
    """May a line end between two newmm tokens, the first ending in ``before``?

    Only between Thai words: a Latin word, a number, a code or punctuation stays glued to its
    neighbours unless a space separates them (newmm splits ``BS-WC-00042`` in two).
    """
    return ("\u0e01" <= before <= "\u0e4e" and before not in _LEADING_VOWELS
            and ("\u0e01" <= after <= "\u0e2e" or after in _LEADING_VOWELS))


@lru_cache(maxsize=2048)
def break_pieces(text: str) -> tuple[tuple[str, str], ...]:
    """``text`` as (unbreakable run, the spaces after it): a line may end only between pieces.

    Joined back, the pieces give ``text``. Only plain spaces break; U+00A0 glues.
    """
    out: list[list[str]] = []
    for token in words(text):
        if out and not token.strip(" "):
            out[-1][1] += token
        elif out and not out[-1][1] and not _breakable(out[-1][0][-1], token[0]):
            out[-1][0] += token
        else:
            out.append([token, ""])
    return tuple((word, space) for word, space in out)


def _join(pieces: list[tuple[str, str]]) -> str:
    return "".join(word + space for word, space in pieces[:-1]) + pieces[-1][0]


def _cut(word: str, width: float, width_of: Callable[[str], float]) -> tuple[str, str]:
    """Split a run wider than a line: at its last word boundary that fits, else between clusters."""
    bounds = list(accumulate(len(t) for t in words(word)))[:-1]
    clusters = [m.end() for m in _CLUSTER.finditer(word)][:-1]
    for ends in (bounds, clusters):
        fit = [end for end in ends if width_of(word[:end]) <= width]
        if fit:
            return word[:fit[-1]], word[fit[-1]:]
    end = clusters[0] if clusters else len(word)  # not even one cluster fits: it overhangs
    return word[:end], word[end:]


def wrap(text: str, width: float, width_of: Callable[[str], float]) -> list[str]:
    """``text`` in lines no wider than ``width`` (greedy); "\\n" forces a break.

    ``width_of`` gives the shaped width of a string in the font the lines will be drawn in.
    Lines break at pieces of ``break_pieces``, at a space rather than between two words when
    the line stays ``SPACE_FILL`` full. Joining the lines gives ``text`` back, less the spaces
    at the breaks and at the ends of paragraphs.
    """
    widths: dict[str, float] = {}

    def w(s: str) -> float:
        if s not in widths:
            widths[s] = width_of(s)
        return widths[s]

    lines: list[str] = []
    for para in text.split("\n"):
        pieces = list(break_pieces(para.strip()))
        if not pieces:
            lines.append("")
        i = 0
        while i < len(pieces):
            word, space = pieces[i]
            if w(word) > width:  # alone wider than a line: cut only this run
                head, rest = _cut(word, width, w)
                lines.append(head)
                if rest:
                    pieces[i] = (rest, space)
                else:
                    i += 1
                continue
            end, used = i + 1, w(word)
            while end < len(pieces) and used + w(pieces[end - 1][1]) + w(pieces[end][0]) <= width:
                used += w(pieces[end - 1][1]) + w(pieces[end][0])
                end += 1
            if end < len(pieces) and not pieces[end - 1][1]:
                at_space = [k for k in range(i + 1, end) if pieces[k - 1][1]]
                if at_space and w(_join(pieces[i:at_space[-1]])) >= SPACE_FILL * width:
                    end = at_space[-1]
            # Pieces are shaped one by one; kerning across them must not push a line over.
            while end - i > 1 and w(_join(pieces[i:end])) > width:
                end -= 1
            lines.append(_join(pieces[i:end]))
            i = end
    return lines


def fit_size(text: str, width: float, size: float, measure: Measure, style: str = "") -> float:
    """The largest size up to ``size`` (pt) at which ``text`` fits ``width`` (mm) on one line."""
    for _ in range(4):
        # Hinting (Pillow) makes widths not quite proportional to the size, so check again.
        w = measure(text, style, size)
        if w <= width or w <= 0:
            return size
        size *= width / w * 0.99
    return size


def fit_lines(text: str, width: float, size: float, measure: Measure, style: str = "", *,
              max_lines: int = 2, shrink: float = 0.85) -> tuple[list[str], float]:
    """``text`` on at most ``max_lines`` lines at the largest size up to ``size`` that fits.

    One line while that needs no more shrinking than ``shrink`` times ``size``; otherwise
    the breaks that allow the largest size, at spaces unless words give a tenth more.
    Returns the lines and their common size.
    """
    text = " ".join(text.split())
    one = fit_size(text, width, size, measure, style)
    best, best_size, best_score = [text], one, one
    pieces = list(break_pieces(text))
    if one >= size * shrink:
        return best, best_size
    for n in range(2, max_lines + 1):
        for cuts in combinations(range(1, len(pieces)), n - 1):
            bounds = (0, *cuts, len(pieces))
            lines = [_join(pieces[a:b]) for a, b in pairwise(bounds)]
            line_size = min(fit_size(line, width, size, measure, style) for line in lines)
            score = line_size * (1.0 if all(pieces[c - 1][1] for c in cuts) else 0.9)
            if score > best_score:
                best, best_size, best_score = lines, line_size, score
    return best, best_size


class ThaiDocument(FPDF):
    """An A4 fpdf2 document in mm for Thai text: Sarabun regular and bold, shaping on.

    No automatic page breaks (documents keep blocks whole with ``ensure_room``); ``bottom``
    is the margin that ``ensure_room`` keeps free. ``output()`` returns the PDF with the
    ToUnicode fix applied.
    """

    def __init__(self, title: str, *, orientation: str = "portrait", author: str = "",
                 creator: str = "", bottom: float = 0.0) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        for style, path in FONT_FILES.items():
            self.add_font(FONT_FAMILY, style, str(path))
        self.set_text_shaping(True)
        self.set_auto_page_break(False, margin=bottom)
        self.set_title(title)
        self.set_lang("th")
        if author:
            self.set_author(author)
        if creator:
            self.set_creator(creator)
        self.set_font(FONT_FAMILY, "", 12)
        self._widths: dict[tuple[str, str, float], float] = {}

    # ---- text as it will be drawn ---------------------------------------------------

    def printable(self, text: str) -> str:
        """``text`` less invisible format characters, with "?" for those the font lacks."""
        cmap = self.current_font.cmap
        return "".join(c if c == "\n" or ord(c) in cmap else "?"
                       for c in _INVISIBLE.sub("", text))

    def cell(self, w: float | None = None, h: float | None = None, text: str = "",
             *args: Any, **kwargs: Any) -> bool:
        """fpdf2's ``cell`` with ``text`` made printable first."""
        return super().cell(w, h, self.printable(text), *args, **kwargs)

    def measure(self, text: str, style: str = "", size: float | None = None) -> float:
        """Shaped width in mm of ``text`` as printed in ``style`` at ``size`` pt (a ``Measure``).

        Cached: a sheet of labels repeats the same few strings, and shaping is the slow part.
        The current font is left as it was.
        """
        size = size or self.font_size_pt
        key = (text, style, size)
        if key not in self._widths:
            current = (self.font_family, self.font_style, self.font_size_pt)
            self.set_font(FONT_FAMILY, style, size)
            self._widths[key] = self.get_string_width(self.printable(text))
            self.set_font(*current)
        return self._widths[key]

    # ---- lines and fitting -----------------------------------------------------------

    def lines(self, text: str, width: float, style: str = "",
              size: float | None = None) -> list[str]:
        """``text`` broken into lines no wider than ``width`` mm (see ``wrap``); sets the font."""
        self.set_font(FONT_FAMILY, style, size or self.font_size_pt)
        return wrap(self.printable(text), width, self.get_string_width)

    def fit_size(self, text: str, width: float, size: float, style: str = "") -> float:
        """The largest size up to ``size`` at which ``text`` fits ``width`` on one line."""
        return fit_size(text, width, size, self.measure, style)

    def fit_box(self, text: str, width: float, height: float, size: float, style: str = "",
                *, min_size: float = 8.0, step: float = 0.5) -> tuple[float, list[str]]:
        """The size (down from ``size`` by ``step``, not below ``min_size``) and the lines at
        which ``text`` wrapped to ``width`` fits ``height`` at ``LINE_HEIGHT``."""
        lines = self.lines(text, width, style, size)
        while size > min_size and len(lines) * size * LINE_HEIGHT > height:
            size -= step
            lines = self.lines(text, width, style, size)
        return size, lines

    # ---- drawing ---------------------------------------------------------------------

    def ensure_room(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit above the bottom margin."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def paragraph(self, text: str, x: float, width: float, style: str = "",
                  size: float | None = None, *, line_height: float | None = None,
                  align: str = "L", keep_together: bool = False) -> int:
        """Wrapped ``text`` from the current y at ``x``; leaves y below it. Returns the line count.

        ``keep_together`` moves the whole paragraph to a new page if it would not fit.
        """
        lines = self.lines(text, width, style, size)
        line_height = line_height or self.font_size_pt * LINE_HEIGHT
        if keep_together:
            self.ensure_room(line_height * len(lines))
        for line in lines:
            self.set_x(x)
            self.cell(width, line_height, line, align=align, new_x="LMARGIN", new_y="NEXT")
        return len(lines)

    def dots(self, width: float) -> str:
        """A dotted line to sign or write on, as long as fits ``width`` in the current font."""
        return "." * int(width / self.get_string_width("."))

    def output(self, *args: Any, **kwargs: Any) -> Any:
        """fpdf2's ``output``, with a ZWSP in the ToUnicode map for a cluster's extra glyphs.

        harfbuzz draws ำ as two glyphs (ํ + า); fpdf2 gives the first the whole cluster's text
        and leaves the า without a mapping, so readers extract a stray control character there
        ("จำ\\x05นวน"). This touches private fpdf2 state: if it is not there, the PDF is written
        unchanged.
        """
        for font in self.fonts.values():
            ids = getattr(getattr(font, "subset", None), "_char_id_per_glyph", None)
            if isinstance(ids, dict):
                font.subset._char_id_per_glyph = {
                    replace(g, unicode=(0x200B,)) if getattr(g, "unicode", None) == () else g: c
                    for g, c in ids.items()}
        return super().output(*args, **kwargs)
