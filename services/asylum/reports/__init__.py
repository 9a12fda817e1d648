"""What partners see across their cases: statistics and protection alerts."""
