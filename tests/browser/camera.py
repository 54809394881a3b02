"""The phone's camera for the browser tests: a still video of a label, and a Chromium of its own
whose fake camera films it (the ``camera`` and ``camera_page`` fixtures, in conftest)."""
from __future__ import annotations

import io
import os

from PIL import Image

from devices import services as devices
from labels.render import label_png
from labels.views import label_data

FRAME_SIZE = (640, 480)


def y4m_of(image: Image.Image, frames: int = 20, *, shift: float = 0.0, mirror: bool = False) -> bytes:
    """A still YUV4MPEG2 video (4:2:0) of ``image`` on white, half the frame wide, in the middle
    (where qr-scanner looks: a square of 2/3 of the frame's height).

    ``shift`` moves the image right by that share of the frame (a label half out of view).
    ``mirror`` flips the frame: qr-scanner shows a camera that does not face away (as
    Chromium's fake one) mirrored, so a mirrored frame reads the right way round on the page.
    Chromium's fake camera plays the file in a loop.
    """
    width, height = FRAME_SIZE
    canvas = Image.new("RGB", FRAME_SIZE, "white")
    scale = min(width * 0.5 / image.width, height * 0.5 / image.height)
    label = image.convert("RGB").resize((round(image.width * scale), round(image.height * scale)),
                                        Image.Resampling.LANCZOS)
    canvas.paste(label, ((width - label.width) // 2 + round(shift * width), (height - label.height) // 2))
    if mirror:
        canvas = canvas.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = (y.tobytes() + cb.resize(half, Image.Resampling.BOX).tobytes()
              + cr.resize(half, Image.Resampling.BOX).tobytes())
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    return header + (b"FRAME\n" + planes) * frames


class Camera:
    """A Chromium of its own, like the shared one, whose fake camera films a Y4M file.

    Chromium takes the file at launch and opens it each time a page starts the camera, so
    ``film`` puts another video in its place (a new file: the one being read stays intact).
    """

    def __init__(self, browser, folder, executable, args):
        self.video = folder / "camera.y4m"
        self.film(y4m_of(Image.new("L", (8, 8), 255), frames=1))
        self.chromium = browser.browser_type.launch(
            executable_path=str(executable), headless=True,
            args=[*args, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={self.video}"])

    def film(self, video: bytes) -> None:
        fresh = self.video.with_suffix(".new")
        fresh.write_bytes(video)
        os.replace(fresh, self.video)


def label_of(live_server, tag: str) -> Image.Image:
    """The device's label as the app draws it (the PNG of ``/labels/<tag>.png``)."""
    with live_server.app.test_request_context(base_url=live_server.url):
        return Image.open(io.BytesIO(label_png(label_data(devices.get_device(tag)))))
