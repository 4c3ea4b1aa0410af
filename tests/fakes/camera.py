"""A camera for Chromium's fake capture device: real photos written as a Y4M video, which
`--use-file-for-fake-video-capture` plays in a loop as what the camera sees (the browser's own fake camera,
a green test pattern, looks the same from one frame to the next, so its frames would all be one picture)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps

SIZE = (320, 240)


def y4m_of(photos: list[Path], path: Path, *, fps: int = 5) -> Path:
    """Write `photos` as a Y4M video at `path`, one frame each (4:2:0, `fps` frames a second), and return it."""
    width, height = SIZE
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for photo in photos:
            with Image.open(photo) as image:
                frame = ImageOps.fit(image.convert("RGB"), SIZE).convert("YCbCr")
            y, cb, cr = frame.split()
            out.write(b"FRAME\n")
            out.write(y.tobytes())
            out.write(cb.resize((width // 2, height // 2)).tobytes())
            out.write(cr.resize((width // 2, height // 2)).tobytes())
    return path
