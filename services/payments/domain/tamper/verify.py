"""Offline verification of a ledger export (JSON Lines or CSV) against signed checkpoints.

A JSON Lines export holds `{"type": "record", ...}` rows in chain order and `{"type": "checkpoint", ...}` rows
anywhere. A CSV export holds one row per record (`CSV_COLUMNS`) and no checkpoints: they can be given
separately, as the auditor's checkpoint list answers them. The verifier needs nothing but the files and the
Ed25519 public key, and names each kind of tampering it finds: an edited record, an inserted one, removed
ones, a truncated tail, or a chain that was rewritten and re-hashed so that it no longer meets a signed
checkpoint.
"""

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.payments.domain.tamper.chain import (
    GENESIS_HASH,
    ChainedRecord,
    compute_record_hash,
)
from services.payments.domain.tamper.checkpoints import (
    Checkpoint,
    load_public_key_pem,
    verify_checkpoint,
)

_T = TypeVar("_T")

# How far from its position a renumbered record's original sequence number is searched for.
RENUMBER_WINDOW = 8
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


class ProblemKind(StrEnum):
    """What kind of tampering or damage a problem reports."""

    EDITED = "edited"
    INSERTED = "inserted"
    REMOVED = "removed"
    TRUNCATED = "truncated"
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: its kind, the sequence number it concerns and a sentence for people."""

    kind: ProblemKind
    seq: int | None
    detail: str


@dataclass(slots=True)
class VerificationReport:
    """The verdict on an export: `ok` only when no problem was found."""

    records_checked: int = 0
    last_seq: int = 0
    head_hash: str = GENESIS_HASH
    anchored_seq: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the export is intact as far as the checkpoints can prove."""
        return not self.problems

    def kinds(self) -> set[ProblemKind]:
        """Return the set of problem kinds found."""
        return {problem.kind for problem in self.problems}

    def to_text(self) -> str:
        """Render the report as lines for a terminal."""
        lines = [
            f"records checked: {self.records_checked}, last seq: {self.last_seq}",
            f"signed up to seq: {self.anchored_seq}, head: {self.head_hash}",
        ]
        lines += [f"{p.kind.value} at seq {p.seq}: {p.detail}" for p in self.problems]
        lines += [f"warning: {warning}" for warning in self.warnings]
        lines.append("OK" if self.ok else f"TAMPERED: {len(self.problems)} problem(s)")
        return "\n".join(lines)


def verify_ledger_export(
    export_path: Path, public_key_pem: bytes, extra_checkpoints: list[dict[str, Any]] | None = None
) -> VerificationReport:
    """Verify a JSON Lines ledger export file with the checkpoint public key (PEM).

    `extra_checkpoints` are checkpoint rows from elsewhere (see `checkpoint_rows_of`), checked with those in the file.
    """
    public_key = load_public_key_pem(public_key_pem)
    with export_path.open(encoding="utf-8") as first_pass:
        checkpoint_rows = [row for row in _parse_rows(first_pass, []) if row.get("type") == "checkpoint"]
    with export_path.open(encoding="utf-8") as second_pass:
        return verify_ledger_rows(second_pass, public_key, checkpoint_rows + list(extra_checkpoints or []))


def verify_ledger_csv(
    export_path: Path, public_key_pem: bytes, checkpoints: list[dict[str, Any]] | None = None
) -> VerificationReport:
    """Verify a CSV ledger export; without the partner's signed checkpoints only the links between rows hold."""
    public_key = load_public_key_pem(public_key_pem)
    report = VerificationReport()
    with export_path.open(encoding="utf-8", newline="") as lines:
        _verify(report, _csv_rows(lines, report.problems), public_key, list(checkpoints or []))
    if not checkpoints:
        report.warnings.append(
            "a CSV export carries no checkpoints: pass the partner's checkpoint list to detect truncation"
        )
    return report


def checkpoint_rows_of(answer: Any) -> list[dict[str, Any]]:
    """Checkpoint rows from the auditor's checkpoint list (`GET /v1/audit/partners/{id}/checkpoints`)."""
    if not isinstance(answer, list) or not all(isinstance(item, dict) for item in answer):
        raise ValueError("expected the JSON list of checkpoints that the auditor's checkpoint list answers")
    return [{"type": "checkpoint", "chain_id": item.get("partner_id"), **item} for item in answer]


def verify_ledger_lines(lines: Iterable[str], public_key: Ed25519PublicKey) -> VerificationReport:
    """Verify export lines held in memory (records and checkpoint rows mixed)."""
    rows = list(lines)
    checkpoint_rows = [row for row in _parse_rows(rows, []) if row.get("type") == "checkpoint"]
    return verify_ledger_rows(rows, public_key, checkpoint_rows)


def verify_ledger_rows(
    lines: Iterable[str],
    public_key: Ed25519PublicKey,
    checkpoint_rows: list[dict[str, Any]],
) -> VerificationReport:
    """Walk the records once, holding only the hashes that signed checkpoints refer to."""
    report = VerificationReport()
    return _verify(report, _parse_rows(lines, report.problems), public_key, checkpoint_rows)


def _verify(
    report: VerificationReport,
    rows: Iterator[dict[str, Any]],
    public_key: Ed25519PublicKey,
    checkpoint_rows: list[dict[str, Any]],
) -> VerificationReport:
    checkpoints = _check_signatures(checkpoint_rows, public_key, report)
    anchored_hashes: dict[int, str] = {}
    wanted = {checkpoint.seq for checkpoint in checkpoints}
    records = _records(rows, report.problems)
    last_seq, last_hash = 0, GENESIS_HASH
    rewritten: set[int] = set()
    for record, following in _with_lookahead(records):
        report.records_checked += 1
        if compute_record_hash(record.seq, record.prev_hash, record.body) != record.hash:
            original = _original_seq(record, last_seq)
            if original is None:
                report.problems.append(Problem(ProblemKind.EDITED, record.seq, "content does not match its hash"))
                rewritten.add(record.seq)
            else:
                # Intact but renumbered (to hide an insertion or removal): judge it at its signed position.
                record = replace(record, seq=original)
        skipped_by_next = following is not None and following.prev_hash == last_hash and record.hash != last_hash
        if skipped_by_next or record.seq <= last_seq:
            report.problems.append(Problem(ProblemKind.INSERTED, record.seq, "record is not part of the chain"))
            continue
        if record.prev_hash != last_hash or record.seq != last_seq + 1:
            _explain_broken_link(record, last_seq, rewritten, report)
        last_seq, last_hash = record.seq, record.hash
        if last_seq in wanted:
            anchored_hashes[last_seq] = last_hash
    report.last_seq, report.head_hash = last_seq, last_hash
    _compare_with_checkpoints(checkpoints, anchored_hashes, report)
    return report


def _original_seq(record: ChainedRecord, last_seq: int) -> int | None:
    """The sequence number an intact record was hashed with, if it was only renumbered nearby."""
    candidates = {last_seq + 1, *range(max(1, record.seq - RENUMBER_WINDOW), record.seq + RENUMBER_WINDOW + 1)}
    candidates.discard(record.seq)
    for seq in sorted(candidates):
        if compute_record_hash(seq, record.prev_hash, record.body) == record.hash:
            return int(seq)
    return None


def _explain_broken_link(
    record: ChainedRecord,
    last_seq: int,
    rewritten: set[int],
    report: VerificationReport,
) -> None:
    if record.seq > last_seq + 1:
        missing = f"{last_seq + 1}" if record.seq == last_seq + 2 else f"{last_seq + 1}..{record.seq - 1}"
        report.problems.append(Problem(ProblemKind.REMOVED, last_seq + 1, f"records {missing} are missing"))
    elif last_seq not in rewritten:
        # Contiguous numbers but a broken link: the previous record was changed and re-hashed.
        rewritten.add(last_seq)
        report.problems.append(
            Problem(
                ProblemKind.EDITED,
                last_seq,
                "record was rewritten: the next record no longer links to it",
            )
        )


def _compare_with_checkpoints(
    checkpoints: list[Checkpoint],
    anchored_hashes: dict[int, str],
    report: VerificationReport,
) -> None:
    if not checkpoints:
        report.warnings.append("no valid signed checkpoint: truncation and re-hashing cannot be detected")
        return
    for checkpoint in checkpoints:
        if checkpoint.seq > report.last_seq:
            report.problems.append(
                Problem(
                    ProblemKind.TRUNCATED,
                    report.last_seq + 1,
                    f"a checkpoint signs seq {checkpoint.seq} but the export ends at {report.last_seq}",
                )
            )
        elif anchored_hashes.get(checkpoint.seq, checkpoint.head_hash) != checkpoint.head_hash:
            report.problems.append(
                Problem(
                    ProblemKind.CHECKPOINT_MISMATCH,
                    checkpoint.seq,
                    "the chain differs from the signed head: records up to here were rewritten",
                )
            )
        else:
            report.anchored_seq = max(report.anchored_seq, checkpoint.seq)
    if report.last_seq > report.anchored_seq:
        report.warnings.append(f"records after seq {report.anchored_seq} are not yet signed")


def _check_signatures(
    rows: list[dict[str, Any]], public_key: Ed25519PublicKey, report: VerificationReport
) -> list[Checkpoint]:
    valid: list[Checkpoint] = []
    for row in rows:
        try:
            checkpoint = Checkpoint(
                chain_id=_require(row, "chain_id", str),
                seq=_require(row, "seq", int),
                head_hash=_require(row, "head_hash", str),
                signed_at=_require(row, "signed_at", str),
                key_id=_require(row, "key_id", str),
                signature=_require(row, "signature", str),
            )
        except TypeError as error:
            report.problems.append(Problem(ProblemKind.MALFORMED, None, f"checkpoint: {error}"))
            continue
        if valid and checkpoint.chain_id != valid[0].chain_id:
            report.problems.append(
                Problem(ProblemKind.MALFORMED, checkpoint.seq, "checkpoints of two different chains in one export")
            )
        elif verify_checkpoint(public_key, checkpoint):
            valid.append(checkpoint)
        else:
            report.problems.append(
                Problem(
                    ProblemKind.BAD_SIGNATURE,
                    checkpoint.seq,
                    "checkpoint signature is not valid",
                )
            )
    return valid


def _parse_rows(lines: Iterable[str], problems: list[Problem]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            problems.append(Problem(ProblemKind.MALFORMED, None, f"line {number} is not JSON"))
            continue
        if not isinstance(row, dict):
            problems.append(Problem(ProblemKind.MALFORMED, None, f"line {number} is not an object"))
            continue
        yield row


def _csv_rows(lines: Iterable[str], problems: list[Problem]) -> Iterator[dict[str, Any]]:
    """The records of a CSV export in the shape of JSON Lines records."""
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
        yield {"type": "record", "seq": seq, "prev_hash": row["prev_hash"], "hash": row["hash"], "body": body}


def _records(rows: Iterator[dict[str, Any]], problems: list[Problem]) -> Iterator[ChainedRecord]:
    for row in rows:
        if row.get("type") != "record":
            continue
        try:
            body = _require(row, "body", dict)
            yield ChainedRecord(
                _require(row, "seq", int),
                _require(row, "prev_hash", str),
                _require(row, "hash", str),
                body,
            )
        except TypeError as error:
            problems.append(Problem(ProblemKind.MALFORMED, row.get("seq"), f"record: {error}"))


def _with_lookahead(
    records: Iterator[ChainedRecord],
) -> Iterator[tuple[ChainedRecord, ChainedRecord | None]]:
    current = next(records, None)
    while current is not None:
        following = next(records, None)
        yield current, following
        current = following


def _require(row: dict[str, Any], key: str, kind: type[_T]) -> _T:
    value = row.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(f"field {key!r} is missing or not a {kind.__name__}")
    return value
