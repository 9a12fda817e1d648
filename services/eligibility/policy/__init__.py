"""Tier policies as data: the document, its completeness check and its evaluation."""
