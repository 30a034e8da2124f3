"""The five quanta, each a Django app with a database alias and a Celery queue of the same name;
a module of its own so that the embedded launcher can read it without loading the settings."""

QUANTA = ("customer", "billing", "ticketing", "analytics", "notifications")
