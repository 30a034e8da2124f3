"""The product's settings for the benchmark's processes: the bare-insert endpoint mounted and the
benchmark's switches installed (BENCH_DELIVERY, BENCH_HANDLER_DELAY_SECONDS: apps.py). The harness
sets the rest (throttle rates, databases, broker) through the environment, as an operator would."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS as PRODUCT_APPS

INSTALLED_APPS = [*PRODUCT_APPS, "bench.portal.apps.BenchConfig"]
ROOT_URLCONF = "bench.portal.urls"
