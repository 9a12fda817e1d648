"""The applicant's status page: reference and secret in a form, the answer in plain words."""
