"""Dates typed in forms: day/month/year in the Buddhist Era on Thai pages, the Common Era on
English ones; ISO 8601 and a Common Era year are taken everywhere (core.forms.LocalDateField)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from core.dates import format_date_input, parse_date_input
from core.db import db
from lending.models import Person

NOV_30 = dt.date(2026, 11, 30)  # the suite's frozen today (tests/conftest.py)


@pytest.mark.parametrize("typed", [
    "30/11/2569", "30/11/2026", "2026-11-30", "30.11.2569", "30-11-2569", "30 11 2569", " 30 / 11 / 2569 ",
    "30112569", "30 พ.ย. 2569", "30 พฤศจิกายน 2569", "30 Nov 2026", "30 november 2026", "๓๐/๑๑/๒๕๖๙",
])
def test_the_forms_a_date_is_typed_in(typed):
    assert parse_date_input(typed) == NOV_30


def test_a_year_from_2400_is_buddhist_era_and_single_digits_are_fine():
    assert parse_date_input("5/1/2500") == dt.date(1957, 1, 5)
    assert parse_date_input("5/1/1957") == dt.date(1957, 1, 5)
    assert parse_date_input("2569-11-30") == NOV_30  # an ISO date written with the BE year


@pytest.mark.parametrize("typed", ["", "30/11/69", "31/02/2569", "30/13/2569", "2026/30/11", "tomorrow",
                                   "30 xyz 2569", "30/11/1700", "1/1/9999", "30/11/2569/1"])
def test_what_is_not_a_date(typed):
    with pytest.raises(ValueError):
        parse_date_input(typed)


def test_a_date_as_a_form_shows_it():
    assert format_date_input(dt.date(2026, 1, 5), "th") == "05/01/2569"
    assert format_date_input(dt.date(2026, 1, 5), "en") == "05/01/2026"
    assert format_date_input(None, "th") == ""


PERSON = {"title": "นาง", "first_name": "บุญมี", "last_name": "วันเกิด", "consent_given": "y",
          "consent_by": "บุญมี วันเกิด"}


def birth_date_input(html: str) -> str:
    return re.search(r'<input[^>]*id="birth_date"[^>]*>', html).group(0)


def described_by(html: str, field_id: str) -> str:
    """The text of the elements that describe a field (its hint, its error)."""
    ids = re.search(rf'id="{field_id}"[^>]*aria-describedby="([^"]+)"|aria-describedby="([^"]+)"[^>]*id="{field_id}"',
                    html)
    assert ids, f"{field_id} has no aria-describedby"
    texts = []
    for i in (ids.group(1) or ids.group(2)).split():
        texts.append(re.sub(r"<[^>]+>", "", re.search(rf'id="{i}"[^>]*>(.*?)</small>', html, re.S).group(1)))
    return " ".join(texts)


@pytest.mark.parametrize("lang, shown, hint", [
    ("th", "30/11/2569", "วัน/เดือน/ปี พ.ศ. เช่น 30/11/2569"),
    ("en", "30/11/2026", "Day/month/year, e.g. 30/11/2026"),
])
def test_the_date_field_shows_its_form_and_takes_it(app, client_as, lang, shown, hint):
    staff = client_as("staff")
    headers = {"Accept-Language": lang}
    html = staff.get("/people/new", headers=headers).get_data(as_text=True)
    field = birth_date_input(html)
    assert 'type="text"' in field and 'inputmode="numeric"' in field and 'autocomplete="off"' in field
    assert hint in described_by(html, "birth_date")

    # Typed in the page's form, it is stored as the date and shown back in that form.
    typed = "5/1/2500" if lang == "th" else "5/1/1957"
    response = staff.post("/people/new", data={**PERSON, "birth_date": typed}, headers=headers)
    assert response.status_code == 302, response.get_data(as_text=True)
    person_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        assert db.session.get(Person, person_id).birth_date == dt.date(1957, 1, 5)
    edit = staff.get(f"/people/{person_id}/edit", headers=headers).get_data(as_text=True)
    assert f'value="{"05/01/2500" if lang == "th" else "05/01/1957"}"' in birth_date_input(edit)

    # ISO (as tests and clients send) and a Common Era year are taken on either page.
    for other in ("1957-01-05", "05/01/1957"):
        response = staff.post("/people/new", data={**PERSON, "last_name": f"iso{lang}{other[:2]}",
                                                   "birth_date": other}, headers=headers)
        assert response.status_code == 302
    with app.app_context():
        born = db.session.scalars(select(Person.birth_date).where(Person.last_name.like("iso%"))).all()
        assert born == [dt.date(1957, 1, 5)] * 2


@pytest.mark.parametrize("lang, error", [
    ("th", "กรุณากรอกวันที่เป็น วัน/เดือน/ปี พ.ศ. เช่น 30/11/2569"),
    ("en", "Enter the date as day/month/year, for example 30/11/2026."),
])
def test_a_wrong_date_is_refused_with_the_form_named(client_as, lang, error):
    staff = client_as("staff")
    response = staff.post("/people/new", data={**PERSON, "birth_date": "31/02/2569"},
                          headers={"Accept-Language": lang})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field = birth_date_input(html)
    assert 'aria-invalid="true"' in field and 'value="31/02/2569"' in field  # what was typed, to correct
    assert error in described_by(html, "birth_date")
    assert error in re.search(r'class="error-summary".*?</div>', html, re.S).group(0)


@pytest.mark.parametrize("lang, query, shown", [("th", "1/11/2569", "01/11/2569"), ("en", "1/11/2026", "01/11/2026"),
                                                ("th", "2026-11-01", "01/11/2569")])
def test_the_journal_filter_takes_dates_as_the_forms_do(client_as, lang, query, shown):
    treasurer = client_as("treasurer")
    html = treasurer.get(f"/fund/journal?since={query}", headers={"Accept-Language": lang}).get_data(as_text=True)
    since = re.search(r'<input[^>]*id="since"[^>]*>', html).group(0)
    assert f'value="{shown}"' in since and 'inputmode="numeric"' in since
    assert ("วัน/เดือน/ปี พ.ศ." if lang == "th" else "Day/month/year") in described_by(html, "since")
