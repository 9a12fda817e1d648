"""Sanctions screening: `engine/` is the pure part (list parsers, index, matching; no database, no web
framework), `lists/` the service around it (stored lists, hits, clearances, waivers, re-screening, routes)."""
