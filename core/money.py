"""Money: amounts are integer satang (1 baht = 100 satang), never floats.

This module holds every rule about an amount in one place: the largest one the books take,
baht typed on a page turned into satang and back, satang shown as baht ("฿1,250.00" on
pages, "1,250.00" and Thai words on receipts), the form field a person types baht into and
the JSON field a client sends satang in.
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate
from pythainlp.util import bahttext, num_to_thaiword
from wtforms import DecimalField
from wtforms.validators import ValidationError

SATANG_PER_BAHT = 100
# The most one amount may be: what an INTEGER column holds on PostgreSQL (฿21,474,836.47).
# Larger ones are refused as input, not left to overflow the database.
MAX_SATANG = 2**31 - 1


# --- baht and satang ---------------------------------------------------------------------------

def baht_to_satang(baht: Decimal | int | str | None) -> int | None:
    """Baht as typed (``Decimal("1250.50")``) in whole satang, half a satang to the even one."""
    if baht is None:
        return None
    return int((Decimal(baht) * SATANG_PER_BAHT).to_integral_value(rounding=ROUND_HALF_EVEN))


def satang_to_baht(satang: int | None) -> Decimal | None:
    """Satang as baht with two places: 125050 -> ``Decimal("1250.50")``."""
    if satang is None:
        return None
    return Decimal(int(satang)).scaleb(-2)


MAX_BAHT = satang_to_baht(MAX_SATANG)


# --- satang as people read them ------------------------------------------------------------------

def format_baht(satang: int | None, locale: str = "th") -> str:
    """Satang as baht with two decimals and the locale's grouping: "฿1,250.00", "-฿0.05"."""
    if satang is None:
        return ""
    baht = format_decimal(satang_to_baht(abs(satang)), format="#,##0.00", locale=locale)
    return f"-฿{baht}" if satang < 0 else f"฿{baht}"


def format_amount(satang: int, *, grouping: bool = True) -> str:
    """Figures with two decimals and no currency sign, as documents and files print them:
    125050 -> "1,250.50" ("1250.50" without grouping)."""
    baht, rest = divmod(abs(int(satang)), SATANG_PER_BAHT)
    whole = f"{baht:,}" if grouping else str(baht)
    return f"{'-' if satang < 0 else ''}{whole}.{rest:02d}"


def amount_in_words(satang: int) -> str:
    """The amount in Thai words as on a cheque: "หนึ่งพันสองร้อยห้าสิบบาทห้าสิบสตางค์".

    Integer arithmetic only; less than one baht reads "ห้าสิบสตางค์". Raises ValueError for
    a negative amount.
    """
    if satang < 0:
        raise ValueError("an amount in words must not be negative")
    baht, rest = divmod(int(satang), SATANG_PER_BAHT)
    if not rest:
        return bahttext(baht)
    words = f"{num_to_thaiword(rest)}สตางค์"
    return words if not baht else bahttext(baht).removesuffix("ถ้วน") + words


class LazyBaht:
    """Satang that print as baht ("฿1,250.00") in the reader's locale when the message is shown.

    The money counterpart of core.dates.LazyDate, for lazily translated error messages.
    """

    def __init__(self, satang: int):
        self.satang = satang

    def __str__(self) -> str:
        return format_baht(self.satang, str(get_locale() or "th"))


# --- amounts as input ------------------------------------------------------------------------------

class MoneyField(DecimalField):
    """An amount a person types in baht, to the satang ("1250" or "1250.50").

    ``satang`` is what the services take. With ``positive`` the amount must be more than
    zero, else zero or more; at most MAX_SATANG, said in baht. Give ``InputRequired()`` or
    ``Optional()`` among the validators.
    """

    def __init__(self, label=None, validators=None, *, positive: bool = False, render_kw=None, **kwargs):
        self.positive = positive
        render_kw = {"inputmode": "decimal", **(render_kw or {})}
        super().__init__(label, validators, places=2, render_kw=render_kw, **kwargs)

    @property
    def satang(self) -> int | None:
        return baht_to_satang(self.data)

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, Decimal) and not self.data.is_finite():  # "NaN", "Infinity"
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))

    def post_validate(self, form, validation_stopped: bool) -> None:
        if validation_stopped or self.data is None or self.errors:
            return
        # Judged in satang, as stored (0.004 baht is no money, 21,474,836.474 is the most). One far
        # outside ("1e999999999") is only said to be too large or below zero: its satang would
        # overflow the decimal arithmetic.
        typed = Decimal(self.data)
        if typed.copy_abs() <= MAX_BAHT + 1:
            amount = self.satang
        else:
            amount = MAX_SATANG + 1 if typed > 0 else -1
        if self.positive and amount <= 0:
            raise ValidationError(_l("Must be more than zero."))
        if amount < 0:
            raise ValidationError(_l("Enter an amount of zero or more."))
        if amount > MAX_SATANG:
            raise ValidationError(_l("At most %(max)s.", max=LazyBaht(MAX_SATANG)))


class Satang(fields.Integer):
    """An amount a client sends in integer satang: strict integers from ``minimum`` up to MAX_SATANG."""

    def __init__(self, *, minimum: int = 0, **kwargs):
        super().__init__(strict=True, validate=validate.Range(min=minimum, max=MAX_SATANG), **kwargs)
