from django.apps import AppConfig


class IdentityConfig(AppConfig):
    """Identity lives in the `default` database with Django's users and sessions (no `database`)."""

    name = "identity"
    verbose_name = "Identity"
