"""Reading a ledger export (JSON Lines or CSV) into chain records, each with whether its hash holds.

The JSON Lines reader is the hot loop of offline verification. A line in the exporter's plain shape (a record
whose body holds only strings and integers) is parsed by orjson and hashed in place; any other line is parsed
again by the standard library and judged field by field, so every result (and every message about a malformed
line) is what the reference reading gives.
"""

import csv
import hashlib
import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import Any, TypeVar

import orjson

from services.payments.domain.tamper.digest import RECORD_DOMAIN, record_digest
from services.payments.domain.tamper.report import Problem, ProblemKind

_T = TypeVar("_T")

# One record as read: seq, prev_hash, hash, body, and whether the hash matches seq, prev_hash and body.
ReadRecord = tuple[int, str, str, dict[str, Any], bool]

# The columns of a CSV export, in order: the chain fields around the hashed body of each entry.
CSV_COLUMNS = (
    "seq",
    "id",
    "partner_id",
    "transfer_id",
    "transfer_kind",
    "account_id",
    "currency",
    "amount_minor",
    "created_at",
    "prev_hash",
    "hash",
)
_BODY_COLUMNS = CSV_COLUMNS[1:9]
_PLAIN = frozenset({str, int})


class ExportFormat(StrEnum):
    """The two forms of a ledger export: JSON Lines (with checkpoints) and CSV."""

    jsonl = "jsonl"
    csv = "csv"


def export_format_of(first_line: str) -> ExportFormat | None:
    """Which export a file is, from its first line; None when it is neither."""
    stripped = first_line.strip()
    if stripped.startswith("{"):
        return ExportFormat.jsonl
    if stripped == ",".join(CSV_COLUMNS):
        return ExportFormat.csv
    return None


def checkpoint_rows_of(answer: Any) -> list[dict[str, Any]]:
    """Checkpoint rows from the auditor's checkpoint list (`GET /v1/audit/partners/{id}/checkpoints`)."""
    if not isinstance(answer, list) or not all(isinstance(item, dict) for item in answer):
        raise ValueError("expected the JSON list of checkpoints that the auditor's checkpoint list answers")
    return [{"type": "checkpoint", "chain_id": item.get("partner_id"), **item} for item in answer]


def checkpoint_rows_in(lines: Iterable[str]) -> list[dict[str, Any]]:
    """The checkpoint rows among export lines (a cheap first pass: other lines are not parsed)."""
    rows = []
    for line in lines:
        # Without an escape, a row whose type is "checkpoint" must hold that string literally.
        if '"checkpoint"' not in line and "\\" not in line:
            continue
        row = _parse_line(line, 0, [])
        if row is not None and row.get("type") == "checkpoint":
            rows.append(row)
    return rows


def jsonl_records(lines: Iterable[str], problems: list[Problem]) -> Iterator[ReadRecord]:
    """The records of JSON Lines export lines, in file order; malformed lines become problems."""
    loads, dumps, sha256, sort_keys = orjson.loads, orjson.dumps, hashlib.sha256, orjson.OPT_SORT_KEYS
    for number, line in enumerate(lines, start=1):
        try:
            row = loads(line)
        except orjson.JSONDecodeError:
            row = None
        if type(row) is dict:
            if row.get("type") != "record":
                continue
            seq, prev_hash, digest, body = row.get("seq"), row.get("prev_hash"), row.get("hash"), row.get("body")
            if (
                type(seq) is int
                and type(prev_hash) is str
                and type(digest) is str
                and type(body) is dict
                and set(map(type, body.values())) <= _PLAIN
            ):
                payload = dumps({"body": body, "prev_hash": prev_hash, "seq": seq}, option=sort_keys)
                yield seq, prev_hash, digest, body, sha256(RECORD_DOMAIN + payload).hexdigest() == digest
                continue
        # Anything else (a float, an integer beyond 64 bits, a missing field, not JSON): the reference reading.
        row = _parse_line(line, number, problems)
        if row is not None and row.get("type") == "record":
            record = _record_of(row, problems)
            if record is not None:
                yield record


def csv_records(lines: Iterable[str], problems: list[Problem]) -> Iterator[ReadRecord]:
    """The records of a CSV export; a wrong header or a malformed row becomes a problem."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or tuple(header) != CSV_COLUMNS:
        problems.append(Problem(ProblemKind.MALFORMED, None, f"the CSV header is not {','.join(CSV_COLUMNS)}"))
        return
    for number, values in enumerate(reader, start=2):
        if not values:
            continue
        if len(values) != len(CSV_COLUMNS):
            problems.append(Problem(ProblemKind.MALFORMED, None, f"line {number} has {len(values)} columns"))
            continue
        row = dict(zip(CSV_COLUMNS, values, strict=True))
        try:
            seq, amount = int(row["seq"]), int(row["amount_minor"])
        except ValueError:
            problems.append(Problem(ProblemKind.MALFORMED, None, f"line {number}: seq or amount is not a number"))
            continue
        body: dict[str, Any] = {name: row[name] for name in _BODY_COLUMNS}
        body["amount_minor"] = amount
        prev_hash, digest = row["prev_hash"], row["hash"]
        yield seq, prev_hash, digest, body, record_digest(seq, prev_hash, body) == digest


def _parse_line(line: str, number: int, problems: list[Problem]) -> dict[str, Any] | None:
    if not line.strip():
        return None
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        problems.append(Problem(ProblemKind.MALFORMED, None, f"line {number} is not JSON"))
        return None
    if not isinstance(row, dict):
        problems.append(Problem(ProblemKind.MALFORMED, None, f"line {number} is not an object"))
        return None
    return row


def _record_of(row: dict[str, Any], problems: list[Problem]) -> ReadRecord | None:
    try:
        body = require(row, "body", dict)
        seq, prev_hash, digest = require(row, "seq", int), require(row, "prev_hash", str), require(row, "hash", str)
    except TypeError as error:
        problems.append(Problem(ProblemKind.MALFORMED, row.get("seq"), f"record: {error}"))
        return None
    return seq, prev_hash, digest, body, record_digest(seq, prev_hash, body) == digest


def require(row: dict[str, Any], key: str, kind: type[_T]) -> _T:
    """The value of `key` if it has type `kind` (a bool is no int here); TypeError otherwise."""
    value = row.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(f"field {key!r} is missing or not a {kind.__name__}")
    return value
