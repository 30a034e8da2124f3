"""Billing: accounts, cards, payments and invoices."""
