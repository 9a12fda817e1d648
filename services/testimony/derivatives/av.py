"""Audio and video derivatives: remux with ffmpeg, keeping only audio and video streams and no metadata."""

from __future__ import annotations

import hashlib
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from services.testimony.derivatives.errors import (
    MediaMetadataRemains,
    MediaStrippingUnavailable,
    MediaTypeNotPublishable,
    MediaUnreadable,
)
from services.testimony.derivatives.media import StrippedMedia, strip_image_metadata

# Declared media type -> (ffmpeg muxer, file suffix). Anything else is refused.
AV_CONTAINERS = {
    "audio/mpeg": ("mp3", ".mp3"),
    "audio/mp4": ("mp4", ".m4a"),
    "audio/ogg": ("ogg", ".ogg"),
    "audio/flac": ("flac", ".flac"),
    "audio/wav": ("wav", ".wav"),
    "video/mp4": ("mp4", ".mp4"),
    "video/quicktime": ("mov", ".mov"),
    "video/webm": ("webm", ".webm"),
}
# What ffmpeg itself writes into a container it made: brands and default handler names, nothing about anyone.
STRUCTURAL_KEYS = frozenset({"major_brand", "minor_version", "compatible_brands", "handler_name", "vendor_id"})
# SEI NAL units can carry encoder settings and vendor data; these are their type numbers per codec.
SEI_UNIT_TYPES = {"h264": "6", "hevc": "39|40"}
FFMPEG_TIMEOUT_SECONDS = 300

_STREAM_LINE = re.compile(r"^\s*Stream #\d+:\d+\S*: (?P<kind>\w+): (?P<codec>\w+)")
_METADATA_ENTRY = re.compile(r"^\s+(?P<key>[^:]+?)\s*: ")


@dataclass(frozen=True)
class ProbeResult:
    """What `ffmpeg -i` reports about a file: metadata keys, streams as (kind, codec), and chapter count."""

    metadata_keys: frozenset[str]
    streams: tuple[tuple[str, str], ...]
    chapters: int


def parse_probe(report: str) -> ProbeResult:
    """Read the input description ffmpeg prints on stderr."""
    keys: set[str] = set()
    streams: list[tuple[str, str]] = []
    chapters = 0
    metadata_indent: int | None = None
    for line in report.splitlines():
        indent = len(line) - len(line.lstrip())
        stripped = line.strip()
        if stripped == "Metadata:":
            metadata_indent = indent
            continue
        if metadata_indent is not None and indent > metadata_indent:
            entry = _METADATA_ENTRY.match(line)
            if entry is not None:
                keys.add(entry.group("key").split("-", 1)[0])
            continue
        metadata_indent = None
        stream = _STREAM_LINE.match(line)
        if stream is not None:
            streams.append((stream.group("kind"), stream.group("codec")))
        elif stripped.startswith("Chapter #"):
            chapters += 1
    return ProbeResult(metadata_keys=frozenset(keys), streams=tuple(streams), chapters=chapters)


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 - fixed argument list, no shell, paths we created
            command, capture_output=True, text=True, timeout=FFMPEG_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise MediaStrippingUnavailable("ffmpeg could not be run to strip this media") from error


def probe_media(ffmpeg: str, path: Path) -> ProbeResult:
    """Describe a media file with ffmpeg (which, given no output, only prints what it read)."""
    return parse_probe(_run([ffmpeg, "-hide_banner", "-nostdin", "-i", str(path)]).stderr)


def _strip_command(ffmpeg: str, source: Path, target: Path, muxer: str, video_codec: str | None) -> list[str]:
    command = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(source)]
    # Capital V leaves out cover art; data, subtitle and attachment streams (GPS tracks, for one) are not mapped.
    command += ["-map", "0:V?", "-map", "0:a?", "-map_metadata", "-1", "-map_chapters", "-1", "-c", "copy"]
    if video_codec in SEI_UNIT_TYPES:
        command += ["-bsf:v", f"filter_units=remove_types={SEI_UNIT_TYPES[video_codec]}"]
    command += ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"]
    if muxer == "mp3":
        command += ["-write_id3v1", "0", "-id3v2_version", "0", "-write_xing", "0"]
    return [*command, "-f", muxer, "-y", str(target)]


def strip_av_metadata(content: bytes, declared_media_type: str, ffmpeg: str) -> StrippedMedia:
    """Remux audio or video without metadata, chapters, cover art or side streams, and check the result."""
    media_type = declared_media_type.split(";", 1)[0].strip().lower()
    container = AV_CONTAINERS.get(media_type)
    if container is None:
        raise MediaTypeNotPublishable(f"{media_type} is not a publishable audio or video type")
    muxer, suffix = container
    with tempfile.TemporaryDirectory(prefix="testimony-av-") as workdir:
        source, target = Path(workdir) / f"original{suffix}", Path(workdir) / f"derivative{suffix}"
        source.write_bytes(content)
        before = probe_media(ffmpeg, source)
        kinds = {kind for kind, _ in before.streams}
        if not kinds & {"Audio", "Video"}:
            raise MediaUnreadable(f"the bytes are not readable {media_type}")
        if media_type.startswith("audio/") and "Audio" not in kinds:
            raise MediaUnreadable("an audio file must hold an audio stream")
        video_codec = next((codec for kind, codec in before.streams if kind == "Video"), None)
        result = _run(_strip_command(ffmpeg, source, target, muxer, video_codec))
        if result.returncode != 0 or not target.exists():
            raise MediaUnreadable(f"ffmpeg could not remux this {media_type}: {result.stderr.strip()[:200]}")
        after = probe_media(ffmpeg, target)
        derivative = target.read_bytes()
    leftover = sorted(after.metadata_keys - STRUCTURAL_KEYS)
    stray_streams = sorted({kind for kind, _ in after.streams} - {"Audio", "Video"})
    if leftover or stray_streams or after.chapters:
        raise MediaMetadataRemains(f"still present after stripping: {', '.join(leftover + stray_streams)}")
    return StrippedMedia(
        content=derivative,
        media_type=media_type,
        sha256=hashlib.sha256(derivative).hexdigest(),
        original_sha256=hashlib.sha256(content).hexdigest(),
        removed=tuple(sorted((before.metadata_keys - STRUCTURAL_KEYS) | ({"chapters"} if before.chapters else set()))),
    )


def find_ffmpeg() -> str | None:
    """Locate the ffmpeg binary that the imageio-ffmpeg package ships (or one it is pointed at), if any."""
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError:
        return None


class MediaMetadataStripper:
    """Strips images with Pillow and audio or video with ffmpeg; without ffmpeg, refuses audio and video."""

    def __init__(self, ffmpeg: str | None) -> None:
        self._ffmpeg = ffmpeg

    def strip(self, content: bytes, declared_media_type: str) -> StrippedMedia:
        """Return a derivative free of embedded metadata, or raise a DerivativeError."""
        kind = declared_media_type.split("/", 1)[0].strip().lower()
        if kind == "image":
            return strip_image_metadata(content)
        if kind not in {"audio", "video"}:
            raise MediaTypeNotPublishable(f"{declared_media_type} is not a publishable media type")
        if self._ffmpeg is None:
            raise MediaStrippingUnavailable(f"{kind} is not published: ffmpeg is not available to strip its metadata")
        return strip_av_metadata(content, declared_media_type, self._ffmpeg)
