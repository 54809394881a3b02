"""Uploaded photos are decoded and drawn again by the server (core.images), and served only as
the JPEG the server made: the attacks of issue 12 through the delivery form, and the
re-encoding itself (orientation, metadata, size, colour profile, transparency)."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageCms, ImageFile, PngImagePlugin
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import func, select

from core import images
from core.db import db
from core.errors import ValidationError
from devices import services as device_services
from devices.models import Device, DeviceStatus
from fixtures.core import both_databases
from fixtures.devices import new_type
from fixtures.lending import approved_request
from fixtures.users import make_actors
from lending.models import Loan
from lending.services import waitlist

GPS_LATITUDE = 0x0002
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_gps(size=(64, 48), orientation: int = 6) -> bytes:
    """A real JPEG as a phone writes it: EXIF with the place it was taken and a rotation."""
    image = Image.new("RGB", size, "navy")
    image.paste((250, 200, 0), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[0x0001], gps[GPS_LATITUDE] = "N", (13.0, 21.0, 40.0)
    gps[0x0003], gps[0x0004] = "E", (100.0, 59.0, 5.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header claims ``width`` x ``height`` pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


@pytest.fixture
def delivery(app, login):
    """A device reserved for an approved request, and staff logged in to deliver it."""
    with app.app_context():
        actors = make_actors("staff", "assessor", "supervisor")
        device_type = new_type("WC")
        device = device_services.register_device(device_type, {}, by=None)
        req = approved_request(actors)
        waitlist.reserve(req, device, by=actors["staff"])
        db.session.commit()
        found = {"tag": device.tag, "request_id": req.id, "staff": login(app.test_client(), actors["staff"].id)}
    return found


def deliver(delivery, content: bytes, name: str, mimetype: str):
    return delivery["staff"].post(f"/d/{delivery['tag']}/deliver", data={
        "request_id": str(delivery["request_id"]), "acknowledged_by": "สมใจ",
        "photo": (io.BytesIO(content), name, mimetype)}, content_type="multipart/form-data")


def nothing_stored(app, tag: str) -> bool:
    with app.app_context():
        device = db.session.scalar(select(Device).where(Device.tag == tag))
        return db.session.scalar(select(func.count(Loan.id))) == 0 and device.status == DeviceStatus.RESERVED


@pytest.mark.parametrize("name, mimetype, content", [
    ("x.png", "text/javascript", b"fetch('/api/v1/people').then(r => r.text()).then(alert);\n"),
    ("y.png", "text/html", b'<!doctype html><script src="/loans/32/photo"></script>'),
    ("z.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"<svg onload=alert(1)>" * 20),   # a JPEG's magic, then not
])
def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored(app, delivery, name, mimetype, content):
    response = deliver(delivery, content, name, mimetype)
    assert response.status_code == 422
    assert 'id="photo-error"' in response.get_data(as_text=True)    # the message is on the photo field
    assert nothing_stored(app, delivery["tag"])


def test_a_decompression_bomb_is_refused_from_its_header(app, delivery, monkeypatch):
    """Refused from the size its header declares: not a pixel decoded, not even checked."""
    decoded = []

    def watched(name, original):
        def method(self, *args, **kwargs):
            decoded.append(name)
            return original(self, *args, **kwargs)
        return method

    for cls in (ImageFile.ImageFile, PngImagePlugin.PngImageFile):
        for name in ("load", "verify"):
            monkeypatch.setattr(cls, name, watched(name, getattr(cls, name)))
    for width, height in ((100_000, 100_000), (8_000, 6_000)):   # past Pillow's own limit, and past ours only
        response = deliver(delivery, png_declaring(width, height), "bomb.png", "image/png")
        assert response.status_code == 422 and 'id="photo-error"' in response.get_data(as_text=True)
    assert decoded == []
    assert nothing_stored(app, delivery["tag"])


@both_databases
def test_a_phone_photo_is_kept_upright_without_its_place_and_served_as_a_jpeg(app, delivery):
    sent = jpeg_with_gps()
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(GPS_IFD)   # the upload does carry GPS
    response = deliver(delivery, sent, "IMG_0001.jpg", "image/jpeg")
    assert response.status_code == 302, response.get_data(as_text=True)
    loan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        loan = db.session.get(Loan, loan_id)
        stored, stored_type = loan.photo, loan.photo_type
    assert stored_type == "image/jpeg"
    kept = Image.open(io.BytesIO(stored))
    assert kept.format == "JPEG" and kept.size == (48, 64)   # orientation 6 applied: turned upright
    assert not kept.getexif() and not set(kept.info) & {"exif", "icc_profile", "comment", "xmp"}
    assert b"Exif" not in stored and b"PhoneMaker" not in stored
    served = delivery["staff"].get(f"/loans/{loan_id}/photo")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in served.headers["Cache-Control"]
    assert "default-src 'none'" in served.headers["Content-Security-Policy"]
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.data == stored    # what the server made is served as made


@pytest.mark.parametrize("content, photo_type, expected", [
    (b'<!doctype html><script src="/loans/32/photo"></script>', "text/html", 404),
    (b"alert(document.cookie)", "text/javascript", 404),
    ("png", "image/png", 200),
    ("gps", "image/jpeg", 200),
])
def test_photos_stored_before_re_encoding_are_served_only_as_images(app, delivery, content, photo_type, expected):
    response = deliver(delivery, jpeg_with_gps(), "a.jpg", "image/jpeg")
    loan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    if content == "png":
        out = io.BytesIO()
        Image.new("RGBA", (30, 20), (255, 0, 0, 128)).save(out, "PNG")
        content = out.getvalue()
    elif content == "gps":
        content = jpeg_with_gps(orientation=1)
    with app.app_context():   # as an upload was kept before: the bytes and the type as sent
        db.session.get(Loan, loan_id).photo, db.session.get(Loan, loan_id).photo_type = content, photo_type
        db.session.commit()
    served = delivery["staff"].get(f"/loans/{loan_id}/photo")
    assert served.status_code == expected
    assert content not in served.data    # the stored bytes never come back as they were sent
    if expected == 200:
        assert served.mimetype == "image/jpeg" and served.headers["X-Content-Type-Options"] == "nosniff"
        image = Image.open(io.BytesIO(served.data))
        assert image.format == "JPEG" and not image.getexif() and b"PhoneMaker" not in served.data


def test_re_encoding_strips_profiles_and_text_flattens_transparency_and_downscales(ctx):
    ctx.config["IMAGE_MAX_SIDE"] = 100
    out = io.BytesIO()
    image = Image.new("RGBA", (400, 40), (0, 0, 0, 0))
    image.save(out, "PNG", icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
               pnginfo=_text_chunk("Comment", "secret: 13.36N 100.98E"))
    made = images.normalize(out.getvalue(), "photo")
    kept = Image.open(io.BytesIO(made))
    assert kept.format == "JPEG" and kept.mode == "RGB" and kept.size == (100, 10)
    assert "icc_profile" not in kept.info and b"secret" not in made
    assert kept.getpixel((50, 5))[0] > 240     # transparent became white, not black


def test_the_pixel_limit_comes_from_the_configuration(ctx):
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(out, "PNG")
    assert images.normalize(out.getvalue(), "photo")
    ctx.config["IMAGE_MAX_PIXELS"] = 50_000
    with pytest.raises(ValidationError) as refused:
        images.normalize(out.getvalue(), "photo")
    assert list(refused.value.errors) == ["photo"]


@pytest.mark.parametrize("content", [b"", b"GIF89a" + b"\0" * 40, jpeg_with_gps()[:200], b"%PDF-1.4\n"])
def test_anything_else_is_a_validation_error_naming_the_field(ctx, content):
    with pytest.raises(ValidationError) as refused:
        images.normalize(content, "picture")
    assert list(refused.value.errors) == ["picture"]


def _text_chunk(key: str, value: str):
    info = PngInfo()
    info.add_text(key, value)
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS 13.36</x:xmpmeta>")
    return info
