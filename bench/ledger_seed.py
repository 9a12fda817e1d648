"""Seed a payments database with a long, valid hash chain fast: COPY straight into the tables.

Each transfer moves money between the partner's two accounts (two entries that balance); every entry is
chained with the same record hash the service writes, the head is recorded and signed as a checkpoint, and
the stored balances equal the sums of their entries, so exports, verification and balance checks all hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.payments.domain.tamper.chain import GENESIS_HASH, compute_record_hash
from services.payments.domain.tamper.checkpoints import key_id_of, sign_checkpoint
from services.payments.domain.tamper.digest import record_digest

PARTNER = "AU"
CHUNK = 20_000
ENTRY_COLUMNS = (
    "id, partner_id, transfer_id, transfer_kind, account_id, currency, amount_minor, seq, prev_hash, hash, created_at"
)


def seed(url: str, entries: int, key: Ed25519PrivateKey | None = None, partner: str = PARTNER) -> Ed25519PrivateKey:
    """Write `entries` chained entries (an even number is used) for `partner`; return the checkpoint key."""
    key = key or Ed25519PrivateKey.generate()
    now = datetime.now(UTC).replace(microsecond=0)
    accounts = (f"acct-{partner}-0", f"acct-{partner}-1")
    transfers = entries // 2
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        # The rows are valid by construction; skipping the per-row foreign-key triggers makes COPY several times faster.
        conn.execute("SET session_replication_role = replica")
        with conn.cursor().copy(
            "COPY accounts (id, partner_id, currency, kind, balance_minor, created_at) FROM STDIN"
        ) as copy:
            paid = sum(1_000 + t % 9_000 for t in range(transfers))
            copy.write_row((accounts[0], partner, "USD", "programme_liability", paid, now))
            copy.write_row((accounts[1], partner, "USD", "beneficiary_payable", -paid, now))
        with conn.cursor().copy(
            "COPY transfers (id, partner_id, kind, memo, created_by, created_at) FROM STDIN"
        ) as copy:
            for start in range(0, transfers, CHUNK):
                stamp = now.isoformat()
                copy.write(
                    "".join(
                        f"t-{partner}-{t}\t{partner}\trelease\tbench\tbench\t{stamp}\n"
                        for t in range(start, min(start + CHUNK, transfers))
                    )
                )
        seq, head = 0, GENESIS_HASH
        with conn.cursor().copy(f"COPY entries ({ENTRY_COLUMNS}) FROM STDIN") as copy:
            for chunk in _entry_chunks(partner, accounts, transfers, now):
                lines = []
                for entry_id, transfer_id, account, amount, created in chunk:
                    seq += 1
                    body = {
                        "id": entry_id,
                        "partner_id": partner,
                        "transfer_id": transfer_id,
                        "transfer_kind": "release",
                        "account_id": account,
                        "currency": "USD",
                        "amount_minor": amount,
                        "created_at": created,
                    }
                    digest = record_digest(seq, head, body)
                    if seq == 1:
                        # The fast digest is tested equal to the reference; one check here keeps the seed honest.
                        assert digest == compute_record_hash(seq, head, body)
                    lines.append(
                        f"{entry_id}\t{partner}\t{transfer_id}\trelease\t{account}\tUSD\t{amount}\t{seq}\t{head}\t"
                        f"{digest}\t{created}\n"
                    )
                    head = digest
                copy.write("".join(lines))
        signed_at = now.isoformat(timespec="seconds")
        key_id = key_id_of(key.public_key())
        checkpoint = sign_checkpoint(key, partner, seq, head, signed_at, key_id)
        conn.execute(
            "INSERT INTO checkpoints (partner_id, seq, head_hash, signed_at, key_id, signature) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (partner, seq, head, signed_at, key_id, checkpoint.signature),
        )
        conn.execute(
            "INSERT INTO chain_heads (id, partner_id, seq, hash) VALUES (%s, %s, %s, %s)", (partner, partner, seq, head)
        )
        conn.execute("ANALYZE entries")
    return key


def _entry_chunks(
    partner: str, accounts: tuple[str, str], transfers: int, start: datetime
) -> Iterator[list[tuple[str, str, str, int, str]]]:
    """Entries in chain order: two per transfer, one microsecond apart per transfer."""
    for first in range(0, transfers, CHUNK // 2):
        chunk = []
        for t in range(first, min(first + CHUNK // 2, transfers)):
            created = (start + timedelta(microseconds=t)).isoformat(timespec="microseconds")
            amount = 1_000 + t % 9_000
            transfer_id = f"t-{partner}-{t}"
            chunk.append((f"e-{partner}-{2 * t}", transfer_id, accounts[0], amount, created))
            chunk.append((f"e-{partner}-{2 * t + 1}", transfer_id, accounts[1], -amount, created))
        yield chunk
