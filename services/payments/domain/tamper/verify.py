"""Offline verification of a ledger export (JSON Lines or CSV) against signed checkpoints.

A JSON Lines export holds `{"type": "record", ...}` rows in chain order and `{"type": "checkpoint", ...}` rows
anywhere. A CSV export holds one row per record (`CSV_COLUMNS`) and no checkpoints: they can be given
separately, as the auditor's checkpoint list answers them. The verifier needs nothing but the files and the
Ed25519 public key, and names each kind of tampering it finds: an edited record, an inserted one, removed
ones, a truncated tail, or a chain that was rewritten and re-hashed so that it no longer meets a signed
checkpoint. It streams: memory stays flat whatever the export's length.
"""

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.payments.domain.tamper.chain import GENESIS_HASH
from services.payments.domain.tamper.checkpoints import Checkpoint, load_public_key_pem, verify_checkpoint
from services.payments.domain.tamper.digest import record_digest
from services.payments.domain.tamper.export_rows import (
    CSV_COLUMNS,
    ExportFormat,
    ReadRecord,
    checkpoint_rows_in,
    checkpoint_rows_of,
    csv_records,
    export_format_of,
    jsonl_records,
    require,
)
from services.payments.domain.tamper.report import Problem, ProblemKind, VerificationReport

__all__ = [
    "CSV_COLUMNS",
    "ExportFormat",
    "Problem",
    "ProblemKind",
    "VerificationReport",
    "checkpoint_rows_of",
    "export_format_of",
    "verify_ledger_csv",
    "verify_ledger_export",
    "verify_ledger_lines",
    "verify_ledger_rows",
]

# How far from its position a renumbered record's original sequence number is searched for.
RENUMBER_WINDOW = 8


def verify_ledger_export(
    export_path: Path, public_key_pem: bytes, extra_checkpoints: list[dict[str, Any]] | None = None
) -> VerificationReport:
    """Verify a JSON Lines ledger export file with the checkpoint public key (PEM).

    `extra_checkpoints` are checkpoint rows from elsewhere (see `checkpoint_rows_of`), checked with those in the file.
    """
    public_key = load_public_key_pem(public_key_pem)
    with export_path.open(encoding="utf-8") as first_pass:
        checkpoint_rows = checkpoint_rows_in(first_pass)
    with export_path.open(encoding="utf-8") as second_pass:
        return verify_ledger_rows(second_pass, public_key, checkpoint_rows + list(extra_checkpoints or []))


def verify_ledger_csv(
    export_path: Path, public_key_pem: bytes, checkpoints: list[dict[str, Any]] | None = None
) -> VerificationReport:
    """Verify a CSV ledger export; without the partner's signed checkpoints only the links between rows hold."""
    public_key = load_public_key_pem(public_key_pem)
    report = VerificationReport()
    with export_path.open(encoding="utf-8", newline="") as lines:
        _verify(report, csv_records(lines, report.problems), public_key, list(checkpoints or []))
    if not checkpoints:
        report.warnings.append(
            "a CSV export carries no checkpoints: pass the partner's checkpoint list to detect truncation"
        )
    return report


def verify_ledger_lines(lines: Iterable[str], public_key: Ed25519PublicKey) -> VerificationReport:
    """Verify export lines held in memory (records and checkpoint rows mixed)."""
    rows = list(lines)
    return verify_ledger_rows(rows, public_key, checkpoint_rows_in(rows))


def verify_ledger_rows(
    lines: Iterable[str],
    public_key: Ed25519PublicKey,
    checkpoint_rows: list[dict[str, Any]],
) -> VerificationReport:
    """Walk the records once, holding only the hashes that signed checkpoints refer to."""
    report = VerificationReport()
    return _verify(report, jsonl_records(lines, report.problems), public_key, checkpoint_rows)


def _verify(
    report: VerificationReport,
    records: Iterator[ReadRecord],
    public_key: Ed25519PublicKey,
    checkpoint_rows: list[dict[str, Any]],
) -> VerificationReport:
    checkpoints = _check_signatures(checkpoint_rows, public_key, report)
    anchored_hashes: dict[int, str] = {}
    wanted = {checkpoint.seq for checkpoint in checkpoints}
    problems = report.problems
    last_seq, last_hash, checked = 0, GENESIS_HASH, 0
    rewritten: set[int] = set()
    # The record after the current one is read first: it tells an inserted record from a rewritten one.
    current = next(records, None)
    while current is not None:
        following = next(records, None)
        seq, prev_hash, digest, body, intact = current
        current = following
        checked += 1
        if not intact:
            original = _original_seq(seq, prev_hash, digest, body, last_seq)
            if original is None:
                problems.append(Problem(ProblemKind.EDITED, seq, "content does not match its hash"))
                rewritten.add(seq)
            else:
                # Intact but renumbered (to hide an insertion or removal): judge it at its signed position.
                seq = original
        skipped_by_next = following is not None and following[1] == last_hash and digest != last_hash
        if skipped_by_next or seq <= last_seq:
            problems.append(Problem(ProblemKind.INSERTED, seq, "record is not part of the chain"))
            continue
        if prev_hash != last_hash or seq != last_seq + 1:
            _explain_broken_link(seq, last_seq, rewritten, report)
        last_seq, last_hash = seq, digest
        if last_seq in wanted:
            anchored_hashes[last_seq] = last_hash
    report.records_checked += checked
    report.last_seq, report.head_hash = last_seq, last_hash
    _compare_with_checkpoints(checkpoints, anchored_hashes, report)
    return report


def _original_seq(seq: int, prev_hash: str, digest: str, body: dict[str, Any], last_seq: int) -> int | None:
    """The sequence number an intact record was hashed with, if it was only renumbered nearby."""
    candidates = {last_seq + 1, *range(max(1, seq - RENUMBER_WINDOW), seq + RENUMBER_WINDOW + 1)}
    candidates.discard(seq)
    for candidate in sorted(candidates):
        if record_digest(candidate, prev_hash, body) == digest:
            return int(candidate)
    return None


def _explain_broken_link(seq: int, last_seq: int, rewritten: set[int], report: VerificationReport) -> None:
    if seq > last_seq + 1:
        missing = f"{last_seq + 1}" if seq == last_seq + 2 else f"{last_seq + 1}..{seq - 1}"
        report.problems.append(Problem(ProblemKind.REMOVED, last_seq + 1, f"records {missing} are missing"))
    elif last_seq not in rewritten:
        # Contiguous numbers but a broken link: the previous record was changed and re-hashed.
        rewritten.add(last_seq)
        report.problems.append(
            Problem(ProblemKind.EDITED, last_seq, "record was rewritten: the next record no longer links to it")
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
                chain_id=require(row, "chain_id", str),
                seq=require(row, "seq", int),
                head_hash=require(row, "head_hash", str),
                signed_at=require(row, "signed_at", str),
                key_id=require(row, "key_id", str),
                signature=require(row, "signature", str),
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
                Problem(ProblemKind.BAD_SIGNATURE, checkpoint.seq, "checkpoint signature is not valid")
            )
    return valid
