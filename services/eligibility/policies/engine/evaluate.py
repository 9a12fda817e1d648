"""Evaluate a policy for one applicant on one date: the tier, its entitlements and the trace of why."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from services.eligibility.policies.engine.document import PolicyDocument, Tier
from services.eligibility.policies.engine.entitlements import Entitlements, FamilyCoverage
from services.eligibility.policies.engine.errors import PolicyNotInForce
from services.eligibility.policies.engine.facts import ApplicantFacts, FactValue, read_facts
from services.eligibility.policies.engine.money import format_money, split_by_basis_points


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ConditionTrace(_Frozen):
    """One condition of one tier: what it requires, whether it held, and why."""

    condition: str
    held: bool
    reason: str
    because: str | None = None


class TierTrace(_Frozen):
    """How one tier fared for this applicant."""

    tier: str
    title: str
    position: int
    matched: bool
    chosen: bool
    conditions: list[ConditionTrace]
    verdict: str


class TrancheAmount(_Frozen):
    """A computed bounty tranche: its amount and what releases it."""

    amount: int
    release: str


class BountyAmount(_Frozen):
    """A computed bounty with its tranches in minor units."""

    amount: int
    currency: str
    tranches: list[TrancheAmount]


class StipendAmount(_Frozen):
    """A computed monthly stipend and its total."""

    monthly_amount: int
    currency: str
    months: int
    total: int


class ComputedEntitlements(_Frozen):
    """What the chosen tier grants this applicant, with every amount worked out."""

    bounty: BountyAmount | None = None
    stipend: StipendAmount | None = None
    asylum_track: bool = False
    residence_path: bool = False
    citizenship_path: bool = False
    family: FamilyCoverage = FamilyCoverage()


class Outcome(_Frozen):
    """The result of an assessment: same policy and facts on the same date give the same outcome."""

    partner: str
    policy_version: int
    assessment_date: dt.date
    tier: str
    tier_title: str
    eligible: bool
    entitlements: ComputedEntitlements
    totals: dict[str, int]
    required_approvers: int
    tiers: list[TierTrace]
    explanation: list[str]


def compute_entitlements(granted: Entitlements) -> ComputedEntitlements:
    """Work out the amounts of a tier's entitlements, splitting bounty shares exactly."""
    bounty = None
    if granted.bounty is not None:
        spec = granted.bounty
        if all(t.share_bp is not None for t in spec.tranches):
            amounts = split_by_basis_points(spec.amount, [t.share_bp or 0 for t in spec.tranches])
        else:
            amounts = [t.amount or 0 for t in spec.tranches]
        tranches = [TrancheAmount(amount=a, release=t.release) for a, t in zip(amounts, spec.tranches, strict=True)]
        bounty = BountyAmount(amount=spec.amount, currency=spec.currency, tranches=tranches)
    stipend = None
    if granted.stipend is not None:
        s = granted.stipend
        stipend = StipendAmount(
            monthly_amount=s.monthly_amount,
            currency=s.currency,
            months=s.months,
            total=s.monthly_amount * s.months,
        )
    return ComputedEntitlements(
        bounty=bounty,
        stipend=stipend,
        asylum_track=granted.asylum_track,
        residence_path=granted.residence_path,
        citizenship_path=granted.citizenship_path,
        family=granted.family,
    )


def total_value(entitlements: ComputedEntitlements) -> dict[str, int]:
    """Sum every amount an outcome grants, per currency, sorted by currency code."""
    totals: dict[str, int] = {}
    if entitlements.bounty is not None:
        totals[entitlements.bounty.currency] = totals.get(entitlements.bounty.currency, 0) + entitlements.bounty.amount
    if entitlements.stipend is not None:
        totals[entitlements.stipend.currency] = (
            totals.get(entitlements.stipend.currency, 0) + entitlements.stipend.total
        )
    return dict(sorted(totals.items()))


def _trace_tier(tier: Tier, values: dict[str, FactValue]) -> tuple[bool, list[ConditionTrace]]:
    traces = []
    for condition in tier.conditions:
        judgement = condition.judge(values[condition.fact])
        traces.append(
            ConditionTrace(
                condition=condition.describe(),
                held=judgement.held,
                reason=judgement.reason,
                because=condition.because,
            )
        )
    return all(t.held for t in traces), traces


def _verdict(position: int, chosen_position: int, chosen_id: str, traces: list[ConditionTrace]) -> str:
    held = "; ".join(t.reason for t in traces) or "it has no conditions"
    failed = "; ".join(t.reason for t in traces if not t.held)
    if position == chosen_position:
        return f"chosen, the first tier whose conditions all hold: {held}"
    if position < chosen_position:
        return f"not chosen: {failed}"
    if all(t.held for t in traces):
        return f"also applies ({held}), but '{chosen_id}' comes first in the policy"
    return f"would not apply either: {failed}"


def _describe_entitlements(granted: ComputedEntitlements) -> str:
    parts = []
    if granted.bounty is not None:
        b = granted.bounty
        tranches = ", ".join(f"{format_money(t.amount, b.currency)} on {t.release}" for t in b.tranches)
        parts.append(f"bounty {format_money(b.amount, b.currency)} ({tranches})")
    if granted.stipend is not None:
        s = granted.stipend
        parts.append(f"stipend {format_money(s.monthly_amount, s.currency)} a month for {s.months} months")
    parts += [
        name
        for name, on in (
            ("asylum track", granted.asylum_track),
            ("residence path", granted.residence_path),
            ("citizenship path", granted.citizenship_path),
            ("asylum for the family", granted.family.asylum),
            ("residence path for the family", granted.family.residence_path),
        )
        if on
    ]
    return "; ".join(parts) or "nothing of its own"


def evaluate(policy: PolicyDocument, facts: ApplicantFacts, assessment_date: dt.date) -> Outcome:
    """Assign the first tier whose conditions all hold, with its entitlements and a readable trace."""
    if not policy.in_force_on(assessment_date):
        raise PolicyNotInForce(policy.version, assessment_date)
    values = read_facts(facts, assessment_date)
    results = [_trace_tier(tier, values) for tier in policy.tiers]
    chosen_index = next((i for i, (matched, _) in enumerate(results) if matched), None)
    # A validated policy is complete, so a tier always applies; this guards hand-built documents.
    if chosen_index is None:
        raise ValueError("no tier applies: the policy was not validated for completeness")
    chosen = policy.tiers[chosen_index]
    tier_traces = [
        TierTrace(
            tier=tier.id,
            title=tier.title,
            position=i + 1,
            matched=matched,
            chosen=i == chosen_index,
            conditions=conditions,
            verdict=_verdict(i, chosen_index, chosen.id, conditions),
        )
        for i, (tier, (matched, conditions)) in enumerate(zip(policy.tiers, results, strict=True))
    ]
    granted = compute_entitlements(chosen.entitlements)
    totals = total_value(granted)
    approvers = policy.approvals.approvers_for(totals)
    explanation = [
        f"Policy {policy.partner} version {policy.version}, in force on {assessment_date.isoformat()}.",
        *(f"Tier {t.position} '{t.tier}': {t.verdict}." for t in tier_traces),
        f"Entitlements of '{chosen.id}' ({chosen.title}): {_describe_entitlements(granted)}.",
        _describe_approvals(totals, approvers),
    ]
    return Outcome(
        partner=policy.partner,
        policy_version=policy.version,
        assessment_date=assessment_date,
        tier=chosen.id,
        tier_title=chosen.title,
        eligible=chosen.eligible,
        entitlements=granted,
        totals=totals,
        required_approvers=approvers,
        tiers=tier_traces,
        explanation=explanation,
    )


def _describe_approvals(totals: dict[str, int], approvers: int) -> str:
    value = ", ".join(format_money(amount, currency) for currency, amount in totals.items()) or "no money"
    plural = "approver" if approvers == 1 else "distinct approvers"
    return f"Total value {value}: approval needs {approvers} {plural} other than the assessor."
