"""Tier policies over the API: upload, list and versions."""
