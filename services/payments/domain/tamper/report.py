"""What offline verification of a ledger export finds: problems by kind, and the verdict."""

from dataclasses import dataclass, field
from enum import StrEnum

from services.payments.domain.tamper.chain import GENESIS_HASH


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
