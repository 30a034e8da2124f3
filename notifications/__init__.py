"""Notifications: every e-mail and SMS requested, and its delivery attempts."""
