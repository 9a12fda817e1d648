"""Payouts: creation, approvals, execution, bank accounts, bank files and statements."""
