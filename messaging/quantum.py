"""The app config of a quantum: the database it owns, and its endpoint registered on start.

By convention a quantum's end of the bus is `<package>.endpoint.endpoint`.
"""

from importlib import import_module

from django.apps import AppConfig


class QuantumConfig(AppConfig):
    """Subclass it as `quantum.QuantumConfig`: were the class itself imported into a quantum's
    apps.py, Django would find two configs there and fall back to neither."""

    database: str

    def ready(self) -> None:
        # Not at the top: the endpoint names the kernel's models, which load after the app configs.
        from messaging.endpoint import register

        register(import_module(f"{self.name}.endpoint").endpoint)
