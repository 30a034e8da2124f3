from django.contrib import admin

from identity.models import ApiToken
from messaging.admin import NoEditing


@admin.register(ApiToken)
class ApiTokenAdmin(NoEditing, admin.ModelAdmin):
    """Staff find a user's tokens and revoke one (delete) when a device is lost; only the token
    exchange issues them, and the key is never stored, so there is nothing to add or edit."""

    list_display = ["user", "client", "created", "last_used", "expiry"]
    list_select_related = ["user"]
    search_fields = ["user__username", "client"]
    exclude = ["digest"]
