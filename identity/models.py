from django.db import models
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    """A knox token (digest, expiry) with what lets its owner tell one device from another."""

    client = models.CharField(
        max_length=200, blank=True, help_text="The User-Agent of the client that asked for it."
    )
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"
