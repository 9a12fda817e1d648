"""Obligations: entitlements from approvals turned into tranches and stipend months, and their release."""
