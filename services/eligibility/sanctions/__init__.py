"""Sanctions lists, screening hits, clearances and waivers (matching lives in `screening/`)."""
