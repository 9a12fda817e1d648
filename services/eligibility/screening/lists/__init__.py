"""Sanctions lists as the service keeps them: stored lists, screening hits, clearances, waivers and
re-screening (the matching itself lives in `screening/engine/`)."""
