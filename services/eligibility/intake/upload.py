"""Reading a bulk upload, CSV or JSON Lines, row by row: never the parsed rows or the whole text at once."""

from __future__ import annotations

import base64
import codecs
import csv
import io
import json
import zlib
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, Literal, TextIO

from services.eligibility.intake.errors import IntakeUploadUnreadable

IntakeFormat = Literal["csv", "jsonl"]
MAX_ROWS = 100_000
# How a job keeps its upload: the UTF-8 bytes, zlib-compressed, in base64 (text stored before had no prefix; a
# CSV header or a JSON line cannot start so).
PACKED = "z1:"
PIECE = 64 * 1024
CSV_COLUMNS = (
    "category",
    "family_latin",
    "given_latin",
    "patronymic_latin",
    "family_cyrillic",
    "given_cyrillic",
    "patronymic_cyrillic",
    "birth_date",
    "citizenship",
    "rank_or_post",
    "document_type",
    "document_country",
    "document_number",
    "service_verified",
    "arrived_in_partner_territory",
    "left_post",
    "main_applicant_id",
)
# (row number, the row as ApplicantCreate's shape or None, why it could not be read)
RawRow = tuple[int, dict[str, Any] | None, str | None]


def _flag(value: str, column: str) -> bool:
    text = value.strip().lower()
    if text in {"", "false", "no", "0"}:
        return False
    if text in {"true", "yes", "1"}:
        return True
    raise ValueError(f"{column} must be true or false")


def _csv_record(cells: dict[str, str]) -> dict[str, Any]:
    """Turn one CSV row into the shape of ApplicantCreate."""
    names = []
    for script, suffix in (("latin", "_latin"), ("cyrillic", "_cyrillic")):
        family, given = cells.get("family" + suffix, "").strip(), cells.get("given" + suffix, "").strip()
        if family or given:
            names.append(
                {
                    "script": script,
                    "family": family or None,
                    "given": given or None,
                    "patronymic": cells.get("patronymic" + suffix, "").strip() or None,
                }
            )
    documents = []
    if cells.get("document_number", "").strip():
        documents.append(
            {
                "type": cells.get("document_type", "").strip() or "passport",
                "issuing_country": cells.get("document_country", "").strip(),
                "number": cells["document_number"].strip(),
            }
        )
    return {
        "category": cells.get("category", "").strip(),
        "names": names,
        # An empty cell is an unknown birth date; `1987` and `1987-05` are partial ones.
        "birth_date": cells.get("birth_date", "").strip() or None,
        "citizenship": cells.get("citizenship", "").strip(),
        "rank_or_post": cells.get("rank_or_post", "").strip() or None,
        "documents": documents,
        "evidence": {
            "service_verified": _flag(cells.get("service_verified", ""), "service_verified"),
            "arrived_in_partner_territory": _flag(
                cells.get("arrived_in_partner_territory", ""), "arrived_in_partner_territory"
            ),
            "left_post": _flag(cells.get("left_post", ""), "left_post"),
        },
        "main_applicant_id": cells.get("main_applicant_id", "").strip() or None,
    }


def _check_header(fieldnames: list[str] | None) -> None:
    unknown = sorted(set(fieldnames or []) - set(CSV_COLUMNS))
    if not fieldnames or unknown:
        raise IntakeUploadUnreadable(
            f"The CSV header has unknown columns {', '.join(unknown) or '(none given)'}; use: {', '.join(CSV_COLUMNS)}."
        )


def _read_csv(source: Iterable[str]) -> Iterator[RawRow]:
    reader = csv.DictReader(source)
    _check_header(list(reader.fieldnames or []))
    for number, cells in enumerate(reader, start=1):
        try:
            yield number, _csv_record({k: v or "" for k, v in cells.items() if k}), None
        except ValueError as error:
            yield number, None, str(error)


def _lines(source: Iterable[str]) -> Iterator[str]:
    return (line for line in source if line.strip())


def _read_jsonl(source: Iterable[str]) -> Iterator[RawRow]:
    for number, line in enumerate(_lines(source), start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, None, f"not a JSON object: {error.msg} at column {error.colno}"
            continue
        if isinstance(record, dict):
            yield number, record, None
        else:
            yield number, None, "each line must be one JSON object"


class _Inflating(io.RawIOBase):
    """The bytes of a zlib stream, inflated a piece at a time as they are read."""

    def __init__(self, packed: bytes) -> None:
        self._packed = memoryview(packed)
        self._inflate = zlib.decompressobj()
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            if self._inflate.unconsumed_tail:
                self._pending = self._inflate.decompress(self._inflate.unconsumed_tail, PIECE)
            elif self._packed:
                piece, self._packed = self._packed[:PIECE], self._packed[PIECE:]
                self._pending = self._inflate.decompress(piece, PIECE)
            else:
                self._pending = self._inflate.flush()
                if not self._pending:
                    return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _text(content: bytes) -> TextIO:
    """Raw upload bytes as text read line by line (lines end at \\n only, as in the text held before)."""
    return io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="\n")


def open_upload(stored: str) -> Iterable[str]:
    """A stored upload (see `pack_upload`; an upload stored before as plain text too) as a stream of lines."""
    if not stored.startswith(PACKED):
        return io.StringIO(stored)
    raw = io.BufferedReader(_Inflating(base64.b64decode(stored[len(PACKED) :])), PIECE)
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="\n")


def iter_rows(source: Iterable[str], intake_format: IntakeFormat, first: int = 0) -> Iterator[RawRow]:
    """The upload's numbered rows from the `first` (0-based) on, each parsed or with why it could not be."""
    rows = _read_csv(source) if intake_format == "csv" else _read_jsonl(source)
    try:
        yield from islice(rows, first, None)
    except csv.Error as error:
        # The csv module's own limits (a field over 128 KiB, a NUL byte): the file is not a table of applicants.
        raise IntakeUploadUnreadable(f"The upload is not a readable CSV table: {error}.") from error


def count_rows(source: Iterable[str], intake_format: IntakeFormat) -> int:
    """How many rows an upload holds, checking its header and CSV structure; IntakeUploadUnreadable otherwise."""
    if intake_format == "jsonl":
        total = sum(1 for _ in _lines(source))
    else:
        try:
            reader = csv.reader(source)
            _check_header(next(reader, None))
            total = sum(1 for row in reader if row)
        except csv.Error as error:
            raise IntakeUploadUnreadable(f"The upload is not a readable CSV table: {error}.") from error
    if not total:
        raise IntakeUploadUnreadable("The upload holds no rows.")
    if total > MAX_ROWS:
        raise IntakeUploadUnreadable(f"The upload holds {total} rows; split it into files of at most {MAX_ROWS}.")
    return total


def _check_utf8(content: bytes) -> None:
    """IntakeUploadUnreadable unless the upload is UTF-8 text, checked a piece at a time (no copy of the whole)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(content)
    try:
        for start in range(0, len(view), PIECE):
            decoder.decode(view[start : start + PIECE])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise IntakeUploadUnreadable("The upload is not UTF-8 text.") from error


def pack_upload(content: bytes, intake_format: IntakeFormat) -> tuple[str, int]:
    """An upload checked (UTF-8, header, rows) and packed to be kept with its job: (packed text, number of rows).

    Kept compressed: a tenth or less of the text, so the job's encrypted copy is small and the worker reads
    the rows back as a stream instead of holding the whole text. CPU work: run it off the event loop.
    """
    _check_utf8(content)
    total = count_rows(_text(content), intake_format)
    return PACKED + base64.b64encode(zlib.compress(content, 1)).decode("ascii"), total
