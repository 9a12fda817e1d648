"""Tier policies as data, pure: the document, its completeness check and its evaluation."""
