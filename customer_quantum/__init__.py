"""The customer quantum: the portal customers use, fast and available whatever the rest is doing."""
