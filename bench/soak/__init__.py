"""`make soak`: the `make run` system under a steady mixed load through its API for a while, then
the count of what every accepted request became in the receiving quanta (see `bench.soak.run`)."""
