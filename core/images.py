"""Every image a person uploads: decoded and re-encoded here, and served back from here.

The uploader's file name and declared type say nothing about what a file is: a script named
``x.png`` and sent as ``text/javascript`` is still a script. So the server decodes each upload
with Pillow and keeps only what it draws again itself: a JPEG of the pixels, turned upright
(the EXIF orientation applied), in sRGB, no larger than ``IMAGE_MAX_SIDE`` on its longest
side, with no metadata at all (no EXIF, GPS, ICC profile or text chunks). A file that does not
decode as a JPEG, PNG or WebP image is a 422 naming the field; so is one declaring more than
``IMAGE_MAX_PIXELS`` pixels, refused from its header before any pixel is decoded (a
decompression bomb: a few hundred bytes that would inflate to gigabytes).

Stored images are served only as the type the server chose (``image/jpeg``), never sniffed,
never cached, under a policy that lets the answer run nothing. Images stored before this
module decided the type are decoded again on the way out (:func:`image_response`), so nothing
that is not an image is ever served.
"""
from __future__ import annotations

import io
import warnings

from flask import current_app, make_response
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from PIL import Image, ImageCms, ImageOps

from core.errors import ValidationError

MEDIA_TYPE = "image/jpeg"
FORMATS = ("JPEG", "PNG", "WEBP")   # JPEG's reader also reads MPO, the JPEG many phone cameras write
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_SIDE = 2048
QUALITY = 85
# The answer is a picture: it may load nothing, run nothing and be framed by no one.
IMAGE_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"
_SRGB = ImageCms.createProfile("sRGB")


class NotAnImage(ValidationError):
    """The upload is not an image the server can read (422, naming the field)."""


def _limits() -> tuple[int, int]:
    config = current_app.config
    return (config.get("IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS), config.get("IMAGE_MAX_SIDE", DEFAULT_MAX_SIDE))


def _refuse(field: str, reason) -> NotAnImage:
    return NotAnImage(_l("The image could not be read."), {field: [reason]})


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Pillow's reader on ``data``, header read, nothing decoded yet; refuses oversized images."""
    Image.init()   # registers the WebP reader (once; Pillow loads only a few by itself)
    with warnings.catch_warnings():
        # Pillow warns past its own limit and raises past twice it; ours is checked below.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    width, height = image.size
    if width * height > max_pixels or width < 1 or height < 1:
        raise Image.DecompressionBombError(f"{width}x{height}")
    return image


def _srgb(image: Image.Image) -> Image.Image:
    """The pixels in sRGB, what a browser assumes of a JPEG without a profile."""
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            return ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(profile)), _SRGB,
                                             outputMode="RGBA" if image.mode == "RGBA" else "RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass   # an unreadable profile: keep the pixels as they are
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB without metadata; transparent parts become white (a photo has none; a PNG may)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    clean = image.convert("RGB")
    return clean if clean is not image else image.copy()


def normalize(data: bytes, field: str) -> bytes:
    """The upload ``data`` re-encoded by the server as a JPEG without metadata.

    Raises :class:`NotAnImage` (a ValidationError naming ``field``) when ``data`` is not a
    JPEG, PNG or WebP image, is damaged, or declares more pixels than ``IMAGE_MAX_PIXELS``.
    """
    max_pixels, max_side = _limits()
    try:
        _open(data, max_pixels).verify()   # structure and checksums; the reader is spent after this
        with _open(data, max_pixels) as source:
            source.load()
            image = ImageOps.exif_transpose(source)
            image = _flatten(_srgb(image))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refuse(field, lazy_ngettext("The image is too large: at most %(num)d megapixel.",
                                           "The image is too large: at most %(num)d megapixels.",
                                           max_pixels // 1_000_000)) from exc
    except Exception as exc:  # noqa: BLE001 - Pillow's readers raise many kinds on a damaged or foreign file
        raise _refuse(field, _l("Not an image the server can read: a JPEG, PNG or WebP photo, please.")) from exc
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    image.info = {}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def _as_stored(data: bytes) -> bool:
    """``data`` is what :func:`normalize` writes: a whole JPEG, RGB, no metadata, within the limits."""
    max_pixels, max_side = _limits()
    try:
        with _open(data, max_pixels) as image:
            if image.format != "JPEG" or image.mode != "RGB" or max(image.size) > max_side:
                return False
            if set(image.info) & {"exif", "icc_profile", "comment", "xmp", "photoshop", "adobe"}:
                return False
            image.load()
            return True
    except Exception:  # noqa: BLE001 - anything Pillow cannot read is drawn again, or refused, by normalize
        return False


def image_response(data: bytes, filename: str, field: str = "photo"):
    """A stored image as an answer, only ever an image: served as stored when it is what
    :func:`normalize` writes, else decoded and re-encoded (an upload stored before uploads
    were re-encoded). As ``image/jpeg``, never sniffed, cached or run. Raises NotAnImage
    for a stored file that does not decode."""
    response = make_response(data if _as_stored(data) else normalize(data, field))
    response.headers["Content-Type"] = MEDIA_TYPE
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = IMAGE_POLICY
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
