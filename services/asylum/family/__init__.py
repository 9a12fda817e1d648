"""Family members on a case."""
