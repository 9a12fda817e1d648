"""Outbox deliveries as people see them: listed (dead ones above all) and redelivered."""
