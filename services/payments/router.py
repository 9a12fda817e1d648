"""Payments HTTP routes, gathered from the service's domain folders."""

from __future__ import annotations

from services.payments.audit.router import router as audit_router
from services.payments.banking.router import router as banking_router
from services.payments.ledger.router import router as ledger_router
from services.payments.obligations.router import router as obligations_router
from services.payments.payouts.router import router as payouts_router
from services.payments.releases.router import router as releases_router

routers = [ledger_router, obligations_router, releases_router, payouts_router, banking_router, audit_router]
