"""Releases by hand: an officer names the evidence, a second officer approves, the waiting tranches become due."""
