"""Audio and video are remuxed by ffmpeg with no metadata, chapters, cover art or side streams left."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from services.testimony.derivatives.av import (
    MediaMetadataStripper,
    find_ffmpeg,
    parse_probe,
    probe_media,
    strip_av_metadata,
)
from services.testimony.derivatives.errors import MediaMetadataRemains, MediaTypeNotPublishable, MediaUnreadable

FFMPEG = find_ffmpeg()
SECRETS = (b"Ivan Petrov", b"PhoneMaker", b"55.7558", b"Lavf", b"x264")
CHAPTERS = ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=200\ntitle=Kursk barracks\n"
SUBTITLES = "1\n00:00:00,000 --> 00:00:00,200\nIvan Petrov speaking\n"


def run_ffmpeg(*arguments: str) -> None:
    assert FFMPEG is not None
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", *arguments], check=True)


def identifying_tags() -> list[str]:
    tags = {"artist": "Ivan Petrov", "location": "+55.7558+037.6173/", "comment": "PhoneMaker Model X"}
    return [part for key, value in tags.items() for part in ("-metadata", f"{key}={value}")]


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    # imageio-ffmpeg is a project dependency and ships the binary, so this holds on every machine.
    assert FFMPEG is not None, "imageio-ffmpeg must provide an ffmpeg binary"
    return FFMPEG


@pytest.fixture(scope="module")
def video_with_metadata(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("video")
    (folder / "chapters.txt").write_text(CHAPTERS)
    (folder / "speech.srt").write_text(SUBTITLES)
    target = folder / "in.mp4"
    run_ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=32x32:rate=5:duration=0.4",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=0.4",
        "-i", str(folder / "chapters.txt"), "-i", str(folder / "speech.srt"),
        "-map", "0", "-map", "1", "-map", "3", "-map_chapters", "2",
        "-c:v", "libx264", "-c:a", "aac", "-c:s", "mov_text",
        "-metadata:s:a:0", "handler_name=PhoneMaker", *identifying_tags(), "-y", str(target),
    )  # fmt: skip
    return target.read_bytes()


@pytest.fixture(scope="module")
def mp3_with_cover_art(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("audio")
    target = folder / "in.mp3"
    run_ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=300:duration=0.4",
        "-f", "lavfi", "-i", "color=c=red:size=16x16:duration=0.1",
        "-map", "0", "-map", "1", "-frames:v", "1", "-c:a", "libmp3lame", "-c:v", "png",
        "-disposition:v", "attached_pic", "-id3v2_version", "3", *identifying_tags(), "-y", str(target),
    )  # fmt: skip
    return target.read_bytes()


def probe_bytes(ffmpeg: str, content: bytes, suffix: str, folder: Path) -> tuple[frozenset[str], set[str], int]:
    path = folder / f"probe{suffix}"
    path.write_bytes(content)
    probe = probe_media(ffmpeg, path)
    return probe.metadata_keys, {kind for kind, _ in probe.streams}, probe.chapters


def test_a_stripped_video_keeps_audio_and_video_and_loses_everything_else(
    ffmpeg: str, video_with_metadata: bytes, tmp_path: Path
) -> None:
    keys, kinds, chapters = probe_bytes(ffmpeg, video_with_metadata, ".mp4", tmp_path)
    assert {"artist", "location", "comment"} <= keys, "the fixture must carry metadata to prove anything"
    assert "Subtitle" in kinds
    assert chapters == 1
    stripped = strip_av_metadata(video_with_metadata, "video/mp4", ffmpeg)
    keys, kinds, chapters = probe_bytes(ffmpeg, stripped.content, ".mp4", tmp_path)
    assert not keys & {"artist", "location", "comment", "encoder", "title"}
    assert kinds == {"Audio", "Video"}
    assert chapters == 0
    for secret in SECRETS:
        assert secret not in stripped.content
    assert stripped.sha256 == hashlib.sha256(stripped.content).hexdigest()
    assert {"artist", "location", "chapters"} <= set(stripped.removed)


def test_a_stripped_mp3_loses_its_tags_and_cover_art(ffmpeg: str, mp3_with_cover_art: bytes, tmp_path: Path) -> None:
    keys, kinds, _ = probe_bytes(ffmpeg, mp3_with_cover_art, ".mp3", tmp_path)
    assert "artist" in keys
    assert "Video" in kinds
    stripped = strip_av_metadata(mp3_with_cover_art, "audio/mpeg", ffmpeg)
    keys, kinds, _ = probe_bytes(ffmpeg, stripped.content, ".mp3", tmp_path)
    assert keys <= {"handler_name"}
    assert kinds == {"Audio"}
    assert b"ID3" not in stripped.content[:3]
    for secret in SECRETS:
        assert secret not in stripped.content


def test_the_stripper_routes_images_to_pillow_and_media_to_ffmpeg(ffmpeg: str, mp3_with_cover_art: bytes) -> None:
    stripper = MediaMetadataStripper(ffmpeg)
    assert stripper.strip(mp3_with_cover_art, "audio/mpeg").media_type == "audio/mpeg"
    with pytest.raises(MediaUnreadable):
        stripper.strip(b"not a picture", "image/png")


def test_undeclared_or_unreadable_media_is_refused(ffmpeg: str) -> None:
    with pytest.raises(MediaTypeNotPublishable):
        strip_av_metadata(b"...", "video/x-matroska", ffmpeg)
    with pytest.raises(MediaUnreadable):
        strip_av_metadata(b"no audio in here at all", "audio/mpeg", ffmpeg)


def test_metadata_that_survives_remuxing_withholds_the_derivative(monkeypatch: pytest.MonkeyPatch) -> None:
    leaky = parse_probe("Input #0\n  Metadata:\n    artist          : someone\n  Stream #0:0: Audio: mp3, 44100 Hz\n")
    clean = parse_probe("Input #0\n  Stream #0:0: Audio: mp3, 44100 Hz\n")
    probes = iter([clean, leaky])
    monkeypatch.setattr("services.testimony.derivatives.av.probe_media", lambda _ffmpeg, _path: next(probes))
    monkeypatch.setattr(
        "services.testimony.derivatives.av._run",
        lambda command: (Path(command[-1]).write_bytes(b"x"), subprocess.CompletedProcess(command, 0, "", ""))[1],
    )
    with pytest.raises(MediaMetadataRemains, match="artist"):
        strip_av_metadata(b"x", "audio/mpeg", "ffmpeg")


def test_the_probe_reader_understands_ffmpeg_reports() -> None:
    report = (
        "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'in.mp4':\n"
        "  Metadata:\n"
        "    major_brand     : isom\n"
        "    location-eng    : +55.7558+037.6173/\n"
        "  Duration: 00:00:00.40, start: 0.000000, bitrate: 150 kb/s\n"
        "  Chapters:\n"
        "    Chapter #0:0: start 0.000000, end 0.200000\n"
        "      Metadata:\n"
        "        title           : Kursk barracks\n"
        "  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 32x32\n"
        "    Metadata:\n"
        "      handler_name    : VideoHandler\n"
        "  Stream #0:2[0x3](und): Subtitle: mov_text (tx3g / 0x67337874), 0 kb/s\n"
    )
    probe = parse_probe(report)
    assert probe.metadata_keys == {"major_brand", "location", "title", "handler_name"}
    assert probe.streams == (("Video", "h264"), ("Subtitle", "mov_text"))
    assert probe.chapters == 1
