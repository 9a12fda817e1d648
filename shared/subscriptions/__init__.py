"""Partners' webhook subscriptions: each service's `/v1/webhook-subscriptions` and `/v1/webhook-deliveries`."""
