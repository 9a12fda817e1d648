"""The HTTP benchmark: real uvicorn processes on PostgreSQL, a ceiling app, a bounded load generator."""
