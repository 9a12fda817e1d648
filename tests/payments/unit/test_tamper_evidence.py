import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.payments.domain.errors import NonCanonicalValue
from services.payments.domain.tamper.chain import (
    ChainedRecord,
    chain_record,
    chain_records,
)
from services.payments.domain.tamper.checkpoints import (
    export_public_key_pem,
    sign_checkpoint,
    verify_checkpoint,
)
from services.payments.domain.tamper.verify import (
    ProblemKind,
    VerificationReport,
    verify_ledger_export,
    verify_ledger_lines,
)

KEY = Ed25519PrivateKey.generate()


def make_bodies(count: int) -> list[dict[str, Any]]:
    return [
        {
            "entry_id": f"e{n}",
            "account": "funding:p1:USD",
            "amount_minor": n * 100,
            "currency": "USD",
        }
        for n in range(1, count + 1)
    ]


def export_lines(records: list[ChainedRecord], signed_seq: int | None = None) -> list[str]:
    lines = [json.dumps(record.to_json()) for record in records]
    head = next(r for r in records if r.seq == signed_seq) if signed_seq else records[-1]
    checkpoint = sign_checkpoint(KEY, "p1", head.seq, head.hash, "2026-11-26T12:00:00Z", "k1")
    return [*lines, json.dumps(checkpoint.to_json())]


def verify(lines: list[str]) -> VerificationReport:
    return verify_ledger_lines(lines, KEY.public_key())


def test_an_untouched_export_verifies() -> None:
    report = verify(export_lines(chain_records(make_bodies(10))))
    assert report.ok, report.to_text()
    assert (report.records_checked, report.anchored_seq) == (10, 10)


def test_an_edited_record_is_found() -> None:
    records = chain_records(make_bodies(10))
    edited = records[4]
    records[4] = ChainedRecord(edited.seq, edited.prev_hash, edited.hash, {**edited.body, "amount_minor": 1})
    report = verify(export_lines(records))
    assert [(p.kind, p.seq) for p in report.problems] == [(ProblemKind.EDITED, 5)]


def test_an_edited_and_rehashed_record_is_found() -> None:
    records = chain_records(make_bodies(10))
    original = records[4]
    records[4] = chain_record(original.seq, original.prev_hash, {**original.body, "amount_minor": 1})
    report = verify([json.dumps(r.to_json()) for r in records])
    assert [(p.kind, p.seq) for p in report.problems] == [(ProblemKind.EDITED, 5)]


def test_an_inserted_record_is_found() -> None:
    records = chain_records(make_bodies(10))
    intruder = chain_record(5, records[3].hash, {"entry_id": "forged", "amount_minor": 10**9})
    lines = export_lines(records)
    lines.insert(4, json.dumps(intruder.to_json()))
    report = verify(lines)
    assert [(p.kind, p.seq) for p in report.problems] == [(ProblemKind.INSERTED, 5)]


def test_a_duplicated_record_is_found_as_inserted() -> None:
    lines = export_lines(chain_records(make_bodies(10)))
    lines.insert(6, lines[5])
    assert verify(lines).kinds() == {ProblemKind.INSERTED}


def test_removed_records_are_found() -> None:
    lines = export_lines(chain_records(make_bodies(10)))
    del lines[4:6]
    report = verify(lines)
    assert [(p.kind, p.seq) for p in report.problems] == [(ProblemKind.REMOVED, 5)]
    assert "5..6" in report.problems[0].detail


def test_a_truncated_export_is_found_from_the_signed_checkpoint() -> None:
    lines = export_lines(chain_records(make_bodies(10)))
    truncated = lines[:7] + lines[-1:]
    report = verify(truncated)
    assert [(p.kind, p.seq) for p in report.problems] == [(ProblemKind.TRUNCATED, 8)]


def test_a_fully_rehashed_chain_does_not_meet_its_checkpoint() -> None:
    honest = chain_records(make_bodies(10))
    signed = export_lines(honest)[-1]
    bodies = make_bodies(10)
    bodies[2]["amount_minor"] = 1
    forged = [json.dumps(r.to_json()) for r in chain_records(bodies)]
    report = verify([*forged, signed])
    assert report.kinds() == {ProblemKind.CHECKPOINT_MISMATCH}


def test_a_checkpoint_signed_by_another_key_is_rejected() -> None:
    records = chain_records(make_bodies(3))
    forged = sign_checkpoint(Ed25519PrivateKey.generate(), "p1", 3, records[-1].hash, "2026-11-26T12:00:00Z", "k1")
    assert not verify_checkpoint(KEY.public_key(), forged)
    report = verify([*[json.dumps(r.to_json()) for r in records], json.dumps(forged.to_json())])
    assert ProblemKind.BAD_SIGNATURE in report.kinds()


def test_without_a_checkpoint_the_report_warns_that_truncation_is_undetectable() -> None:
    report = verify([json.dumps(r.to_json()) for r in chain_records(make_bodies(3))])
    assert report.ok
    assert any("truncation" in warning for warning in report.warnings)


def test_records_after_the_last_checkpoint_are_reported_as_unsigned() -> None:
    report = verify(export_lines(chain_records(make_bodies(6)), signed_seq=4))
    assert report.ok
    assert report.anchored_seq == 4
    assert any("after seq 4" in warning for warning in report.warnings)


def test_malformed_lines_are_reported() -> None:
    lines = export_lines(chain_records(make_bodies(3)))
    report = verify([*lines, "{not json", json.dumps({"type": "record", "seq": "x"})])
    assert report.kinds() == {ProblemKind.MALFORMED}


def test_verify_reads_an_export_file_and_a_pem_key(tmp_path: Path) -> None:
    export = tmp_path / "ledger.jsonl"
    lines = export_lines(chain_records(make_bodies(5)))
    export.write_text("\n".join([lines[-1], *lines[:-1]]) + "\n", encoding="utf-8")
    pem = export_public_key_pem(KEY.public_key()).encode()
    assert verify_ledger_export(export, pem).ok
    export.write_text("\n".join(lines[:2] + lines[3:]) + "\n", encoding="utf-8")
    assert verify_ledger_export(export, pem).kinds() == {ProblemKind.REMOVED}


@pytest.mark.parametrize("value", [1.5, {"nested": [0.1]}, {1: "non-string key"}, object()])
def test_values_without_a_canonical_form_cannot_be_chained(value: object) -> None:
    with pytest.raises(NonCanonicalValue):
        chain_record(1, "0" * 64, {"value": value})


def test_a_checkpoint_moved_to_another_chain_fails_its_signature() -> None:
    records = chain_records(make_bodies(3))
    lines = export_lines(records)
    moved = json.loads(lines[-1]) | {"chain_id": "p2"}
    report = verify([*lines[:-1], json.dumps(moved)])
    assert report.kinds() == {ProblemKind.BAD_SIGNATURE}


def test_an_insertion_hidden_by_renumbering_the_tail_is_found() -> None:
    records = chain_records(make_bodies(10))
    intruder = chain_record(5, records[3].hash, {"entry_id": "forged", "amount_minor": 10**9})
    shifted = [ChainedRecord(r.seq + 1, r.prev_hash, r.hash, r.body) for r in records[4:]]
    lines = [json.dumps(r.to_json()) for r in [*records[:4], intruder, *shifted]]
    report = verify([*lines, export_lines(records)[-1]])
    assert [(p.kind, p.seq) for p in report.problems] == [(ProblemKind.INSERTED, 5)]


def test_a_removal_hidden_by_renumbering_the_tail_is_found() -> None:
    records = chain_records(make_bodies(10))
    shifted = [ChainedRecord(r.seq - 1, r.prev_hash, r.hash, r.body) for r in records[5:]]
    lines = [json.dumps(r.to_json()) for r in [*records[:4], *shifted]]
    report = verify([*lines, export_lines(records)[-1]])
    assert [(p.kind, p.seq) for p in report.problems] == [(ProblemKind.REMOVED, 5)]
