"""What the applicant does with a reference and a secret: status lookup, duress secret, consent."""
