"""Sending text messages, behind a small interface so a real SMS gateway is one class and a setting
(`SMS_BACKEND`) away, as Django's e-mail backends are."""

import sys
import uuid
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsBackend(Protocol):
    def send(self, *, to: str, text: str) -> None:
        """Hands the message to the network; raises if it was not accepted."""


class ConsoleSmsBackend:
    """Writes each message to standard output: the worker's log shows what was sent."""

    def send(self, *, to: str, text: str) -> None:
        sys.stdout.write(f"SMS to {to} at {timezone.now().isoformat()}:\n{text}\n{'-' * 40}\n")
        sys.stdout.flush()


class FileSmsBackend:
    """Writes each message to a file of its own in `SMS_FILE_PATH`."""

    def send(self, *, to: str, text: str) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.sms"
        (folder / name).write_text(f"To: {to}\n\n{text}\n")


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
