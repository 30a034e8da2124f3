"""Integration tests: the real web, worker and scheduler processes on PostgreSQL and Redis."""
