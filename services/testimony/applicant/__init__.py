"""The applicant's own path: what a submission or withdrawal token lets its holder see and do, without a login."""
