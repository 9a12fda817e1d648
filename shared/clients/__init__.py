"""Typed clients, one per service, returning the shared schemas."""
