"""The customer quantum's write use cases, one module per area."""
