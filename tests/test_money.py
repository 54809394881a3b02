"""core.money: satang in, baht out, one limit, and the form and JSON fields that take amounts."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale
from marshmallow import Schema
from marshmallow import ValidationError as SchemaError
from werkzeug.datastructures import MultiDict
from wtforms.validators import InputRequired, Optional

from fixtures.core import both_databases
from core.forms import FlaskForm
from core.money import (MAX_BAHT, MAX_SATANG, LazyBaht, MoneyField, Satang, baht_to_satang, format_amount,
                        format_baht, satang_to_baht)


@pytest.mark.parametrize("baht, satang", [
    (Decimal("1250.50"), 125_050), (Decimal("0.01"), 1), ("0.005", 0), ("0.015", 2), (Decimal("-12.5"), -1_250),
    (7, 700), (None, None),
])
def test_baht_to_satang_rounds_half_a_satang_to_even(baht, satang):
    assert baht_to_satang(baht) == satang


def test_satang_to_baht_keeps_two_places_exactly():
    assert str(satang_to_baht(125_000)) == "1250.00" and str(satang_to_baht(-5)) == "-0.05"
    assert satang_to_baht(None) is None and Decimal("21474836.47") == MAX_BAHT
    assert all(baht_to_satang(satang_to_baht(n)) == n for n in (0, 1, 99, 100, 123_456_789, MAX_SATANG))


def test_formatting_never_goes_through_a_float():
    # 10**17 + 78 satang is past a float's 53 bits: divided as a float it would print ...456.80.
    assert format_baht(123_456_789_012_345_678, "en") == "฿1,234,567,890,123,456.78"
    assert format_amount(123_456_789_012_345_678) == "1,234,567,890,123,456.78"
    assert format_amount(-125_050, grouping=False) == "-1250.50" and format_amount(5, grouping=False) == "0.05"
    assert format_baht(MAX_SATANG, "th") == "฿21,474,836.47" and str(LazyBaht(MAX_SATANG)) == "฿21,474,836.47"


class AmountForm(FlaskForm):
    class Meta:
        csrf = False

    paid = MoneyField("Paid", [InputRequired()], positive=True)
    cost = MoneyField("Cost", [Optional()])
    rate = MoneyField("Rate", [Optional()], default=0)


def _errors(app, locale="en", **typed):
    with app.test_request_context(), force_locale(locale):
        form = AmountForm(formdata=MultiDict({"paid": "1", **typed}))
        form.validate()
        return {name: [str(m) for m in messages] for name, messages in form.errors.items()}, form


def test_the_money_field_gives_satang(app):
    errors, form = _errors(app, paid="1250.50", cost="")
    assert errors == {} and form.paid.satang == 125_050 and form.cost.satang is None
    assert 'inputmode="decimal"' in str(form.paid)


@pytest.mark.parametrize("typed, field, message", [
    ({"paid": "0"}, "paid", "Must be more than zero."),
    ({"paid": "0.004"}, "paid", "Must be more than zero."),  # no satang at all
    ({"cost": "-1"}, "cost", "Enter an amount of zero or more."),
    ({"paid": "21474836.48"}, "paid", "At most ฿21,474,836.47."),
    ({"cost": "1e12"}, "cost", "At most ฿21,474,836.47."),
    ({"cost": "1e999999999"}, "cost", "At most ฿21,474,836.47."),
    ({"paid": "-1e999999999"}, "paid", "Must be more than zero."),
    ({"paid": "NaN"}, "paid", "Not a valid decimal value."),
    ({"cost": "Infinity"}, "cost", "Not a valid decimal value."),
    ({"paid": "12 บาท"}, "paid", "Not a valid decimal value."),
])
def test_the_money_field_refuses_what_the_books_cannot_hold(app, typed, field, message):
    errors, _form = _errors(app, **typed)
    assert errors == {field: [message]}


def test_a_money_field_left_out_keeps_its_default(app):
    errors, form = _errors(app)
    assert errors == {} and form.rate.satang == 0 and form.cost.satang is None


def test_the_money_field_takes_the_most_and_zero_where_allowed(app):
    errors, form = _errors(app, paid="21474836.47", cost="0")
    assert errors == {} and form.paid.satang == MAX_SATANG and form.cost.satang == 0
    errors, form = _errors(app, paid="๑๒.๕")  # Thai digits are digits
    assert errors == {} and form.paid.satang == 1_250


def test_the_money_field_speaks_thai(app):
    errors, _form = _errors(app, "th", paid="30000000")
    assert errors == {"paid": ["ไม่เกิน ฿21,474,836.47"]}


class AmountSchema(Schema):
    amount_satang = Satang(minimum=1, required=True)
    value_satang = Satang(allow_none=True)


@pytest.mark.parametrize("body, valid", [
    ({"amount_satang": 1}, True), ({"amount_satang": MAX_SATANG, "value_satang": 0}, True),
    ({"amount_satang": 5, "value_satang": None}, True),
    ({"amount_satang": 0}, False), ({"amount_satang": MAX_SATANG + 1}, False), ({"amount_satang": "5"}, False),
    ({"amount_satang": 1.5}, False), ({"amount_satang": 5, "value_satang": -1}, False),
])
def test_the_satang_field_takes_strict_integers_within_the_limit(body, valid):
    try:
        AmountSchema().load(body)
    except SchemaError:
        assert not valid, body
    else:
        assert valid, body


@both_databases
def test_a_device_worth_more_than_the_books_hold_is_a_422_not_a_database_error(app, client, api_headers, make_type):
    make_type("WC")
    staff, admin = api_headers("staff"), api_headers("admin")
    too_much = client.post("/api/v1/devices", json={"type": "WC", "acquisition_value_satang": MAX_SATANG + 1},
                           headers=staff)
    assert too_much.status_code == 422 and "acquisition_value_satang" in too_much.get_json()["errors"]["json"]
    price = client.patch("/api/v1/device-types/WC", json={"reference_price_satang": MAX_SATANG + 1, "version": 1},
                         headers=admin)
    assert price.status_code == 422 and "reference_price_satang" in price.get_json()["errors"]["json"]
    most = client.post("/api/v1/devices", json={"type": "WC", "acquisition_value_satang": MAX_SATANG}, headers=staff)
    assert most.status_code == 201 and most.get_json()["acquisition_value_satang"] == MAX_SATANG
