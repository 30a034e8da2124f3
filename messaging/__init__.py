"""The messaging kernel: outbox, inbox and dead letters, shared by every quantum.

It is a library, not a quantum: it knows nothing of tickets, cards or invoices.
"""
