"""Events from one service's outbox to another's consumer over HTTP, beside a minimal signed POST loop."""
