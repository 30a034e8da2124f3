from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model

from config.admin_lists import LargeTableAdmin
from identity.models import ApiToken
from messaging.admin import NoEditing

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(LargeTableAdmin, auth_admin.UserAdmin):
    """Django's own, for the accounts of a million customers: counted up to a limit, and found by
    their keys rather than by reading every account."""

    search_keys = ["id", "username"]
    search_help_text = "A user id or a username."


@admin.register(ApiToken)
class ApiTokenAdmin(NoEditing, admin.ModelAdmin):
    """Staff find a user's tokens and revoke one (delete) when a device is lost; only the token
    exchange issues them, and the key is never stored, so there is nothing to add or edit."""

    list_display = ["user", "client", "created", "last_used", "expiry"]
    list_select_related = ["user"]
    search_fields = ["user__username", "client"]
    exclude = ["digest"]
