"""Every event type each service announces: the catalogue partners subscribe from and publishers keep to.

A service refuses to publish a type missing here (`shared.outbox.UnknownEventType`), so the catalogue cannot
fall behind the code. Each event belongs to one partner (its envelope's `partner_id`) and reaches only that
partner's webhooks; the few programme-wide ones (a sanctions list loaded for every partner) reach none.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.schemas.events import (
    APPLICANT_APPROVED,
    ARRIVAL_VERIFIED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    FAMILY_MEMBER_REGISTERED,
    TESTIMONY_TAKEN_DOWN,
)
from shared.schemas.payments import PAYOUT_STATUS_CHANGED


def _changes(service: str, changes: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
    return frozenset(f"{service}.{resource}.{action}" for resource, actions in changes.items() for action in actions)


SERVICES = ("eligibility", "payments", "asylum", "testimony")

# Every service announces the changes partners make to their own webhook subscriptions.
_SUBSCRIPTION_CHANGES = {"webhook_subscription": ("created", "updated", "deleted", "secret_rotated")}

_TYPES: dict[str, frozenset[str]] = {
    "eligibility": frozenset({APPLICANT_APPROVED, ARRIVAL_VERIFIED, FAMILY_MEMBER_REGISTERED})
    | _changes(
        "eligibility",
        {
            "applicant": ("registered", "evidence_updated"),
            "duplicate_conflict": ("resolved",),
            "assessment": ("created", "approval_added", "rejected"),
            "appeal": ("filed", "reassessed"),
            "policy": ("uploaded",),
            "intake_job": ("created",),
            "screening_hit": ("cleared",),
            "waiver": ("requested", "approved"),
            "sanctions_list": ("loaded",),
            "rescreening_job": ("created",),
            "erasure_request": ("requested", "approved"),
        },
    ),
    "payments": frozenset({PAYOUT_STATUS_CHANGED})
    | _changes(
        "payments",
        {
            "account": ("created",),
            "contribution": ("recorded",),
            "transfer": ("reversed",),
            "checkpoint": ("signed",),
            "assessment": ("obligations_created",),
            "obligation": ("released", "superseded"),
            "manual_release": ("requested", "approved"),
            "payout": ("created", "approved"),
            "bank_account": ("set",),
            "bank_profile": ("set",),
            "bank_file": ("created",),
            "bank_statement": ("imported",),
        },
    ),
    "asylum": frozenset({CASE_OPENED, CASE_STATUS_CHANGED})
    | _changes(
        "asylum",
        {
            "case": ("secret_issued", "approval_applied", "transferred"),
            "access": ("granted", "revoked"),
            "dependant": ("added", "decided"),
        },
    ),
    "testimony": frozenset({TESTIMONY_TAKEN_DOWN})
    | _changes(
        "testimony",
        {
            "testimony": ("submitted", "media_added"),
            "submission_token": ("issued", "used"),
            "consent": ("given", "narrowed", "renewed", "withdrawn"),
            "derivative": ("created", "reviewed", "approved_by_subject", "refused_by_subject"),
            "publication": ("published", "coverage_changed"),
        },
    ),
}

EVENT_TYPES: dict[str, frozenset[str]] = {
    service: types | _changes(service, _SUBSCRIPTION_CHANGES) for service, types in _TYPES.items()
}

# Announced for the whole programme (no partner owns them): no partner's webhook can receive them.
PROGRAMME_EVENT_TYPES = frozenset({"eligibility.sanctions_list.loaded", "eligibility.rescreening_job.created"})


def partner_event_types(service: str) -> frozenset[str]:
    """The types of one service a partner may subscribe to: all but the programme-wide ones."""
    return EVENT_TYPES[service] - PROGRAMME_EVENT_TYPES
