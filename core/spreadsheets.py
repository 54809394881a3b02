"""Tables handed to spreadsheets (CSV now, Excel in reports): text is shown, never run.

A cell that starts like a formula (``=HYPERLINK(...)`` typed in a memo, a donor's name, a search)
gets a leading apostrophe; numbers stay numbers.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, make_response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV with a byte-order mark (so Excel reads Thai as UTF-8); every text cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([text_cell(str(name)) for name in header])
    for row in rows:
        writer.writerow([text_cell(value) if isinstance(value, str) else ("" if value is None else value)
                         for value in row])
    return "\ufeff" + out.getvalue()


def csv_response(text: str, filename: str) -> Response:
    response = make_response(text)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
