"""Published images carry no embedded metadata; audio and video are refused until a tool can strip them."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo

from services.testimony.derivatives.av import MediaMetadataStripper
from services.testimony.derivatives.errors import (
    MediaStrippingUnavailable,
    MediaTypeNotPublishable,
    MediaUnreadable,
)
from services.testimony.derivatives.media import strip_image_metadata

ORIENTATION = 0x0112
MAKE, MODEL, ARTIST = 0x010F, 0x0110, 0x013B
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>Ivan Petrov</dc:creator></x:xmpmeta>'


def identifying_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "PhoneMaker"
    exif[MODEL] = "Model X"
    exif[ARTIST] = "Ivan Petrov"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (55.0, 45.0, 21.0), 3: "E", 4: (37.0, 37.0, 4.0)}
    return exif


def make_image(image_format: str, size: tuple[int, int] = (24, 12), orientation: int = 1) -> bytes:
    image = Image.new("RGB", size, (180, 30, 30))
    buffer = io.BytesIO()
    if image_format == "PNG":
        info = PngInfo()
        info.add_text("Author", "Ivan Petrov")
        info.add_itxt("XML:com.adobe.xmp", XMP.decode())
        image.save(buffer, format="PNG", pnginfo=info, exif=identifying_exif(orientation))
    else:
        image.save(buffer, format=image_format, exif=identifying_exif(orientation), xmp=XMP, comment=b"Ivan Petrov")
    return buffer.getvalue()


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_gps_device_and_author_metadata_are_gone_from_a_stripped_image(image_format: str) -> None:
    original = make_image(image_format)
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo), "the fixture must carry GPS to prove anything"
    stripped = strip_image_metadata(original)
    with Image.open(io.BytesIO(stripped.content)) as after:
        assert not after.getexif()
        assert not after.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "xmp" not in after.info
        assert "comment" not in after.info
    for marker in (b"Ivan Petrov", b"PhoneMaker", b"Model X", b"Exif\x00\x00", b"xmpmeta"):
        assert marker not in stripped.content
    assert "exif" in stripped.removed
    assert stripped.sha256 == hashlib.sha256(stripped.content).hexdigest()
    assert stripped.original_sha256 == hashlib.sha256(original).hexdigest()


def test_the_orientation_is_applied_before_exif_is_dropped() -> None:
    stripped = strip_image_metadata(make_image("JPEG", size=(24, 12), orientation=6))
    with Image.open(io.BytesIO(stripped.content)) as after:
        assert after.size == (12, 24)


def test_the_pixels_survive_stripping() -> None:
    stripped = strip_image_metadata(make_image("PNG"))
    with Image.open(io.BytesIO(stripped.content)) as after:
        assert after.convert("RGB").getpixel((3, 3)) == (180, 30, 30)


def test_audio_and_video_are_refused_when_no_stripping_tool_exists() -> None:
    stripper = MediaMetadataStripper(ffmpeg=None)
    with pytest.raises(MediaStrippingUnavailable, match="audio"):
        stripper.strip(b"ID3\x04fake mp3", "audio/mpeg")
    with pytest.raises(MediaStrippingUnavailable, match="video"):
        stripper.strip(b"\x00\x00\x00\x18ftypmp42", "video/mp4")


def test_formats_outside_the_allowlist_are_refused() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="GIF")
    with pytest.raises(MediaTypeNotPublishable):
        strip_image_metadata(buffer.getvalue())
    with pytest.raises(MediaTypeNotPublishable):
        MediaMetadataStripper(ffmpeg=None).strip(b"%PDF-1.7", "application/pdf")


def test_bytes_that_are_no_image_are_refused() -> None:
    with pytest.raises(MediaUnreadable):
        MediaMetadataStripper(ffmpeg=None).strip(b"definitely not an image", "image/jpeg")


def test_an_image_too_large_to_decode_safely_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(MediaTypeNotPublishable, match="too large"):
        strip_image_metadata(make_image("PNG", size=(20, 20)))
