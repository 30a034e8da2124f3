"""Ticketing: tickets as the experts and the helpdesk work them."""
