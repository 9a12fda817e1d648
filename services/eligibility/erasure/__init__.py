"""Erasing a partner by destroying its keys: one operator asks, a second approves."""
