"""Running the whole system: every database migrated, demo data, and (later) the health of the quanta."""
