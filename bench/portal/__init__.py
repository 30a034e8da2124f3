"""The portal benchmark (`make bench`): the quanta split against the limit and the monolith it
replaces, measured in one run on the machine's PostgreSQL and a Redis of its own."""
