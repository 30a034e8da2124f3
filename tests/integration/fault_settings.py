"""The product's settings plus a switchable injected fault, for the workers of fault tests only."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS as PRODUCT_APPS

INSTALLED_APPS = [*PRODUCT_APPS, "tests.integration.faults.InjectedFaultsConfig"]
