"""A password change revokes the user's API tokens, as it already ends their other sessions.

Django's only hook for "the password changed" is a password validator's `password_changed`: it
runs after every `set_password()` + `save()` (portal, admin's "change password", `changepassword`,
a shell), and not when a login merely rehashes the same password with a newer hasher.
"""

from identity.services import api_tokens_revoke_all


class PasswordChangeRevokesApiTokens:
    def validate(self, password, user=None):
        """Any password is acceptable: this entry only reacts to a change."""

    def password_changed(self, password, user=None):
        if user is not None:
            api_tokens_revoke_all(user=user)

    def get_help_text(self):
        return "Changing the password signs out every API token issued with the old one."
