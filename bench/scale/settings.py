"""The portal benchmark's settings with a cheap password hasher (salted MD5), for the scale
benchmark's processes only: a million generated accounts share one precomputed hash, and each
login checks it in microseconds instead of Argon2's tens of milliseconds of CPU, a cost that is
the same at every size and would drown what the benchmark compares (the databases' share)."""

from bench.portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
