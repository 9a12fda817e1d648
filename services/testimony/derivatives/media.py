"""Media derivatives: re-encode images from their pixels alone, so no EXIF, GPS, XMP or comment survives."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Protocol

from PIL import Image, ImageOps, UnidentifiedImageError

from services.testimony.derivatives.errors import (
    MediaMetadataRemains,
    MediaTypeNotPublishable,
    MediaUnreadable,
)

PUBLISHABLE_IMAGE_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
}
# Keys Pillow uses for embedded metadata; any of them in a decoded derivative means stripping failed.
METADATA_KEYS = frozenset({"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop", "iptc"})


@dataclass(frozen=True)
class StrippedMedia:
    """A derivative media file, its type and hash, the original's hash, and what was removed."""

    content: bytes
    media_type: str
    sha256: str
    original_sha256: str
    removed: tuple[str, ...]


class MediaStripper(Protocol):
    """Something that turns an original media file into a derivative without embedded metadata."""

    def strip(self, content: bytes, declared_media_type: str) -> StrippedMedia:
        """Return the derivative, or raise a DerivativeError."""
        ...


def _decode_image(content: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # A decompression bomb warns before it errors; both mean "do not decode this".
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise MediaTypeNotPublishable("the image is too large to decode safely") from error
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise MediaUnreadable("the bytes are not a readable image") from error
    return image


def _found_metadata(image: Image.Image) -> list[str]:
    found = {key for key in image.info if key in METADATA_KEYS}
    if image.getexif():
        found.add("exif")
    if image.format == "PNG" and getattr(image, "text", None):
        found.add("png_text")
    return sorted(found)


def _rebuild_from_pixels(image: Image.Image) -> Image.Image:
    # Apply the EXIF orientation first, or the picture would turn sideways once its EXIF is gone.
    oriented = ImageOps.exif_transpose(image)
    if oriented.mode in {"P", "PA", "LA"}:
        oriented = oriented.convert("RGBA")
    return Image.frombytes(oriented.mode, oriented.size, oriented.tobytes())


def _encode(image: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    if image_format == "JPEG":
        image.save(buffer, format="JPEG", quality=92)
    elif image_format == "WEBP":
        image.save(buffer, format="WEBP", quality=90)
    else:
        image.save(buffer, format=image_format)
    return buffer.getvalue()


def strip_image_metadata(content: bytes) -> StrippedMedia:
    """Re-encode an image from its pixels alone and prove, by decoding the result, that no metadata is left."""
    image = _decode_image(content)
    image_format = image.format or ""
    if image_format not in PUBLISHABLE_IMAGE_FORMATS:
        raise MediaTypeNotPublishable(f"images in {image_format or 'this'} format are not published")
    if getattr(image, "n_frames", 1) > 1:
        raise MediaTypeNotPublishable("animated images are not published")
    removed = _found_metadata(image)
    derivative = _encode(_rebuild_from_pixels(image), image_format)
    remaining = _found_metadata(_decode_image(derivative))
    if remaining:
        raise MediaMetadataRemains(f"metadata still present after stripping: {', '.join(remaining)}")
    return StrippedMedia(
        content=derivative,
        media_type=PUBLISHABLE_IMAGE_FORMATS[image_format],
        sha256=hashlib.sha256(derivative).hexdigest(),
        original_sha256=hashlib.sha256(content).hexdigest(),
        removed=tuple(removed),
    )
