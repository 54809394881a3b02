"""Label routes end to end: the PNG and the PDF sheet a browser downloads must scan."""
from __future__ import annotations

import io

import pytest
from PIL import Image, features

from fixtures.core import BASE_URL
from fixtures.documents import decode_qr, pdf_pages


def test_pillow_uses_raqm_for_thai():
    assert features.check("raqm"), "install libfribidi (make does) so Thai is shaped on labels"


def test_label_png_route_carries_the_device_url(client_as, make_device):
    tag = make_device("WC")
    response = client_as("staff").get(f"/labels/{tag}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert decode_qr(image) == [f"{BASE_URL}/d/{tag}"]


def test_label_sheet_route_every_qr_decodes_to_its_device(client_as, make_device):
    tags = [make_device("WC") for _ in range(5)] + [make_device("BED") for _ in range(3)]
    response = client_as("staff").get(f"/labels/sheet.pdf?tags={','.join(tags)}&layout=2x7&start=10")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = pdf_pages(response.data)
    assert len(pages) == 2  # 14 per sheet, starting at 10: 5 on the first page, 3 on the next
    decoded = [url for image, _text in pages for url in decode_qr(image)]
    assert sorted(decoded) == sorted(f"{BASE_URL}/d/{tag}" for tag in tags)
    all_text = "".join(text for _image, text in pages)
    assert "เตียงผู้ป่วยปรับระดับ" in all_text and "BS-BED-00003" in all_text


def test_label_sheet_accepts_repeated_tags_parameters(client_as, make_device):
    tags = [make_device("WC") for _ in range(2)]
    response = client_as("staff").get(f"/labels/sheet.pdf?tags={tags[0]}&tags={tags[1]}&tags={tags[0]}")
    decoded = [url for image, _text in pdf_pages(response.data) for url in decode_qr(image)]
    assert sorted(decoded) == [f"{BASE_URL}/d/{tag}" for tag in tags]


@pytest.mark.parametrize("query, status, field", [
    ("", 422, "tags"),
    ("tags=BS-WC-00001&layout=4x4", 422, "layout"),
    ("tags=BS-WC-00001&start=0", 422, "start"),
    ("tags=BS-WC-00001&start=25", 422, "start"),
    ("tags=BS-WC-00001&start=abc", 422, "start"),
    ("tags=BS-WC-00001,BS-WC-09999", 404, "tags"),
])
def test_label_sheet_bad_input(client_as, make_device, query, status, field):
    make_device("WC")
    response = client_as("staff").get(f"/labels/sheet.pdf?{query}", headers={"Accept": "application/json"})
    assert response.status_code == status
    assert field in response.get_json()["errors"]


def test_unknown_label_is_404(client_as):
    assert client_as("staff").get("/labels/BS-WC-99999.png").status_code == 404


def test_an_api_client_fetches_the_label_url_it_was_handed(client, api_headers, make_device):
    tags = [make_device("WC"), make_device("BED")]
    staff = api_headers("staff")
    device = client.get(f"/api/v1/devices/{tags[0]}", headers=staff).get_json()
    assert device["label_url"].endswith(f"/labels/{tags[0]}.png")
    response = client.get(device["label_url"], headers=staff)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert decode_qr(Image.open(io.BytesIO(response.data))) == [f"{BASE_URL}/d/{tags[0]}"]
    sheet = client.get(f"/labels/sheet.pdf?tags={','.join(tags)}", headers=staff)
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    decoded = [url for image, _text in pdf_pages(sheet.data) for url in decode_qr(image)]
    assert sorted(decoded) == sorted(f"{BASE_URL}/d/{tag}" for tag in tags)


@pytest.mark.parametrize("path", ["/labels/{tag}.png", "/labels/sheet.pdf?tags={tag}"])
def test_labels_refuse_a_token_that_is_not_live_or_a_role_without_labels(client, api_headers, make_device, path):
    url = path.format(tag=make_device("WC"))
    assert client.get(url, headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    assert client.get(url, headers=api_headers("donor")).status_code == 403
    revoked = api_headers("staff")
    assert client.delete("/api/v1/auth/token", headers=revoked).status_code == 204
    assert client.get(url, headers=revoked).status_code == 401
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_a_bearer_token_opens_no_other_page(client, api_headers, make_device):
    tag = make_device("WC")
    staff = api_headers("staff")
    for page in (f"/labels/?tags={tag}", f"/devices/{tag}"):
        response = client.get(page, headers=staff)
        assert response.status_code == 302 and "/login" in response.headers["Location"], page
