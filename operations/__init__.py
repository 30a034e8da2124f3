"""Running the whole system: every database migrated, demo data, and the jobs that span quanta
(the support-contract replication)."""
