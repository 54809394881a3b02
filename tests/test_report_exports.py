"""Pictures and exports of the reports: SVG bars beside their tables, the Excel workbook, the annual PDF.

A report is registered here with ``catalog.report`` and built from real records (devices by type,
registered in the period), so the charts, the workbook and the PDF are checked against numbers
counted by hand; then every report of the catalog goes through the same exports.
"""
from __future__ import annotations

import dataclasses
import io
import re
import xml.etree.ElementTree as ET

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.db import db
from core.users import User
from devices import services as device_services
from devices.models import Device, DeviceType
from fixtures.core import at_bangkok, both_databases
from fixtures.devices import new_type
from fixtures.documents import norm, pdf_pages
from reports import annual, catalog, charts, periods
from reports.tables import COUNT, SATANG, SHARE, TEXT, Column, Figure, Report, Table, share

SVG = "{http://www.w3.org/2000/svg}"
LONG_NAME = "เตียงผู้ป่วยปรับระดับไฟฟ้าสามไกพร้อมที่นอนลมป้องกันแผลกดทับและราวกั้นเตียงสองข้างแบบพับได้"
FORMULA_NAME = "=HYPERLINK(\"http://x.test\",\"คลิก\")"
# Registered on 1 Dec 2025 (fiscal year 2569, 1 Oct 2025 - 30 Sep 2026), by hand:
#   WC   (รถเข็นวีลแชร์, ฿3,500.00 each): 3 devices  -> share 3/6 = 50.0%, value ฿10,500.00
#   BED  (LONG_NAME, ฿12,000.00 each):    2 devices  -> share 2/6 = 33.3%, value ฿24,000.00
#   XSS  (FORMULA_NAME, ฿0):              1 device   -> share 1/6 = 16.7%, value ฿0.00
# total 6 devices, ฿34,500.00. Fiscal year 2568 has none; one more WC in fiscal year 2570 (today).
TYPES = (("WC", "รถเข็นวีลแชร์", 3500_00, 3), ("BED", LONG_NAME, 12_000_00, 2), ("XSS", FORMULA_NAME, 0, 1))


def _by_type(period: periods.Period) -> list[tuple[str, int, int]]:
    """(type's Thai name, devices registered in the period, their value in satang), most first."""
    return db.session.execute(
        select(DeviceType.name_th, func.count(Device.id), func.sum(DeviceType.reference_price_satang))
        .join(Device, Device.type_id == DeviceType.id)
        .where(Device.created_at >= period.starts(), Device.created_at < period.ends())
        .group_by(DeviceType.id, DeviceType.name_th).order_by(func.count(Device.id).desc(), DeviceType.name_th)).all()


def devices_report(period: periods.Period, *, by) -> Report:
    """Devices registered in the period, by type: a report of the kinds every catalog report uses."""
    found, before = _by_type(period), _by_type(period.previous())
    total = sum(count for _name, count, _value in found)
    rows = [{"type": name, "devices": count, "share": share(count, total), "value": value}
            for name, count, value in found]
    table = Table("by_type", "Devices by type", (Column("type", "Type", TEXT), Column("devices", "Devices", COUNT),
                                                  Column("share", "Share", SHARE), Column("value", "Value", SATANG)),
                  rows, chart="devices")
    return Report("test_devices", "Devices registered", period,
                  [Figure("devices", "Devices registered", total, COUNT, sum(c for _n, c, _v in before)),
                   Figure("value", "Value of the devices", sum(v for _n, _c, v in found), SATANG,
                          sum(v for _n, _c, v in before))],
                  [table], previous=period.previous())


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(catalog.KINDS, "test_devices", catalog.Kind(
        "test_devices", "Devices registered", "program_reports", devices_report))


@pytest.fixture
def devices(app):
    with app.app_context():
        with at_bangkok(2025, 12, 1, 9):
            for code, name, price, count in TYPES:
                device_type = new_type(code, name, code, reference_price_satang=price)
                for _ in range(count):
                    device_services.register_device(device_type, {}, by=None)
        device_services.register_device(device_services.get_type("WC"), {}, by=None)
        db.session.commit()


FY2569 = "?period=fiscal_year&year=2569"


def _svg(page: str, key: str) -> ET.Element:
    found = re.search(r'<svg class="chart".*?</svg>', page, re.S)
    assert found, "no chart on the page"
    element = ET.fromstring(found.group(0))
    assert element.get("aria-describedby") == f"d-{key}"
    return element


@both_databases
def test_the_page_draws_the_bars_beside_the_table(devices, registered, client_as):
    page = client_as("supervisor").get(f"/reports/test_devices{FY2569}").get_data(as_text=True)
    svg = _svg(page, "by_type")
    assert svg.get("role") == "img" and svg.get("width") == str(charts.WIDTH)
    title = svg.find(f"{SVG}title")
    assert svg.get("aria-labelledby") == title.get("id") and "Devices by type" in title.text
    assert 'id="d-by_type"' in page                      # the data table the chart points at
    assert "style=" not in re.search(r"<svg.*?</svg>", page, re.S).group(0)   # the CSP allows no inline style
    widths = [float(rect.get("width")) for rect in svg.iter(f"{SVG}rect")]
    # 3, 2 and 1 devices: the bars in that proportion, the longest 360 px less the room for "3".
    assert widths[0] == pytest.approx(charts.WIDTH - charts.text_width("3") * charts.BOLD_WIDER - charts.VALUE_GAP,
                                      abs=0.1)
    assert widths[1] == pytest.approx(widths[0] * 2 / 3, abs=0.1) and widths[2] == pytest.approx(widths[0] / 3, abs=0.1)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts[0] == "รถเข็นวีลแชร์" and texts[1] == "3"
    assert texts[-1] == "1" and texts[-2] == FORMULA_NAME     # text in a picture is shown, escaped, never run
    assert "/reports/test_devices.xlsx?period=fiscal_year&amp;year=2026" in page


def test_bars_print_each_kind_as_the_page_does(devices, app):
    with app.test_request_context():
        table = devices_report(periods.fiscal_year(2026), by=None).table("by_type")
        for column, expected in (("devices", ["3", "2", "1"]), ("share", ["50.0%", "33.3%", "16.7%"]),
                                 ("value", ["฿10,500.00", "฿24,000.00", "฿0.00"])):
            drawn = charts.bars(dataclasses.replace(table, chart=column), "th")
            assert [bar.text for bar in drawn] == expected
        # ฿24,000 is the longest bar when the money is drawn; ฿0 draws none.
        assert [bar.share for bar in charts.bars(dataclasses.replace(table, chart="value"), "th")] == \
            [pytest.approx(10_500 / 24_000), 1.0, 0.0]
        assert charts.bars(dataclasses.replace(table, chart=None), "th") == []
        assert charts.bars(dataclasses.replace(table, rows=[]), "th") == []


def test_a_long_thai_label_wraps_between_words_then_is_cut():
    # Two lines hold LONG_NAME at 360 px, broken between words.
    lines = charts.label_lines(LONG_NAME, charts.WIDTH, charts.text_width)
    assert lines == ["เตียงผู้ป่วยปรับระดับไฟฟ้าสามไกพร้อมที่นอนลมป้องกันแผลกดทับ", "และราวกั้นเตียงสองข้างแบบพับได้"]
    assert charts.label_lines("รถเข็นวีลแชร์", charts.WIDTH, charts.text_width) == ["รถเข็นวีลแชร์"]
    # Longer: the second line is cut with "…", within the width; what is shown is the label's start.
    longer = LONG_NAME + " สำหรับผู้ป่วยติดเตียงที่ต้องพลิกตัวทุกสองชั่วโมง"
    lines = charts.label_lines(longer, charts.WIDTH, charts.text_width)
    assert len(lines) == 2 and lines[0] == "เตียงผู้ป่วยปรับระดับไฟฟ้าสามไกพร้อมที่นอนลมป้องกันแผลกดทับ"
    assert lines[1].endswith(charts.ELLIPSIS) and longer.startswith("".join(lines)[:-1])
    assert all(charts.text_width(line) <= charts.WIDTH for line in lines)
    # Narrower and narrower: the cut never leaves a mark or a vowel without its letter.
    for width in range(40, 360, 7):
        last = charts.label_lines(longer, width, charts.text_width)[-1].removesuffix(charts.ELLIPSIS)
        assert charts.text_width(last + charts.ELLIPSIS) <= width
        assert last[-1] not in "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e40\u0e41\u0e42\u0e43\u0e44" \
            and not "\u0e47" <= last[-1] <= "\u0e4e", (width, last)


@both_databases
def test_an_empty_period_draws_no_chart_and_answers(devices, registered, client_as):
    reader = client_as("staff")
    response = reader.get("/reports/test_devices?period=fiscal_year&year=2568")
    assert response.status_code == 200
    assert "<svg" not in response.get_data(as_text=True)
    book = load_workbook(io.BytesIO(reader.get("/reports/test_devices.xlsx?period=fiscal_year&year=2568").data))
    assert book.worksheets[0]["B5"].value == 0 and book.worksheets[1].max_row == 4   # no rows under the headings


@both_databases
def test_the_workbook_keeps_numbers_as_numbers(devices, registered, client_as, app):
    response = client_as("supervisor").get(f"/reports/test_devices.xlsx{FY2569}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.headers["Content-Disposition"] == 'attachment; filename="test_devices-2025-10-01-2026-09-30.xlsx"'
    book = load_workbook(io.BytesIO(response.data))
    figures, by_type = book.worksheets
    with app.test_request_context():
        label = periods.fiscal_year(2026).label("th")
    assert [figures["A1"].value, figures["A2"].value] == ["Devices registered", label]
    # Headline figures: 6 devices, ฿34,500.00; the year before (fiscal 2568) had none.
    assert [c.value for c in figures[5]] == ["Devices registered", 6, 0]
    assert [c.value for c in figures[6]] == ["Value of the devices (฿)", 34_500, 0]
    # Fiscal year 2570 (today's) has the seventh device; the year before it is 2569's six, ฿34,500.
    later = client_as("staff").get("/reports/test_devices.xlsx?period=fiscal_year&year=2570")
    later = load_workbook(io.BytesIO(later.data))
    assert [c.value for c in later.worksheets[0][5]] == ["Devices registered", 1, 6]
    assert [c.value for c in later.worksheets[0][6]] == ["Value of the devices (฿)", 3_500, 34_500]
    assert figures["B6"].number_format == "#,##0.00" and figures["B5"].number_format == "#,##0"
    assert by_type["A3"].value == "Devices by type"
    assert [c.value for c in by_type[4]] == ["Type", "Devices", "Share (%)", "Value (฿)"]
    rows = [[c.value for c in row] for row in by_type.iter_rows(min_row=5)]
    assert rows == [["รถเข็นวีลแชร์", 3, 50.0, 10_500], [LONG_NAME, 2, 33.3, 24_000], ["'" + FORMULA_NAME, 1, 16.7, 0]]
    assert by_type["A7"].data_type == "s"                 # the formula-like name stays text
    assert [by_type[f"{col}5"].number_format for col in "BCD"] == ["#,##0", '0.0"%"', "#,##0.00"]
    assert isinstance(by_type["D5"].value, (int, float))


def _annual(client, query=FY2569) -> str:
    response = client.get(f"/reports/annual.pdf{query}")
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF")
    return "".join(text for _image, text in pdf_pages(response.data))


@both_databases
def test_the_annual_report_prints_the_figures_in_thai(devices, registered, client_as, app):
    text = norm(_annual(client_as("supervisor")))
    with app.test_request_context():
        label = periods.fiscal_year(2026).label("th")
    for typed in (app.config["CENTER_NAME_TH"], f"{annual.TITLE} {label}", "Devices registered",
                  "รถเข็นวีลแชร์", "34,500.00", "10,500.00", "50.0", "33.3", LONG_NAME[:20]):
        assert norm(typed) in text, typed


def test_an_empty_period_prints(devices, registered, client_as, app):
    text = norm(_annual(client_as("staff"), "?period=range&from=2020-01-01&to=2020-01-31"))
    assert norm(annual.NOTHING) in text and norm("Devices registered") in text


def test_the_annual_report_holds_only_what_the_reader_may_read(devices, registered, client_as):
    text = norm(_annual(client_as("treasurer")))     # the test report is for program_reports
    assert norm("Devices registered") not in text
    for kind in catalog.KINDS.values():                  # the treasurer reads the fund's report only
        with client_as("treasurer").application.test_request_context(headers={"Accept-Language": "th"}):
            title = norm(str(kind.title))
        assert (title in text) == (kind.step == "fund_report"), kind.key


@pytest.mark.parametrize("url", ["/reports/annual.pdf", "/reports/test_devices.xlsx"])
def test_who_may_not_read_gets_no_export(devices, registered, client_as, client, url):
    assert client_as("maintenance").get(url).status_code == 403
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.location


def test_bad_input_is_a_4xx(devices, registered, client_as):
    reader = client_as("supervisor")
    assert reader.get("/reports/annual.pdf?period=fiscal_year&year=abc").status_code == 422
    assert reader.get("/reports/nothing.xlsx").status_code == 404
    assert reader.get("/reports/test_devices.xlsx?period=range&from=2026-01-02&to=2026-01-01").status_code == 422


CATALOG = sorted(catalog.load())


@pytest.mark.parametrize("key", CATALOG)
def test_every_catalog_report_exports(key, make_user, login, app):
    """Every report of the catalog draws, exports and prints, on an empty database."""
    user_id = make_user("supervisor")
    reader = login(app.test_client(), user_id)
    assert reader.get(f"/reports/{key}{FY2569}").status_code == 200
    book = load_workbook(io.BytesIO(reader.get(f"/reports/{key}.xlsx{FY2569}").data))
    with app.test_request_context():
        report = catalog.build(key, periods.fiscal_year(2026), by=db.session.get(User, user_id))
        assert book.worksheets[0]["A1"].value == str(report.title)
        assert [sheet["A3"].value for sheet in book.worksheets[1:]] == [str(t.title) for t in report.tables]
        for table in report.tables:
            assert charts.svg(table, "th", describedby="d") is None or table.chart
    assert _annual(reader)
