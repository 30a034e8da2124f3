"""The customer API: validate input, call a service or selector, serialize the result."""
