"""Billing's card keys: the key pair that seals card data on its way from the customer quantum, and
the separate keys that encrypt card numbers at rest.

Every key has an id, so keys can be rotated: new data uses the current id, and older ids stay in
their keyring to open what they sealed or encrypted. A keyring is text of `id:base64key` entries
separated by commas or line breaks.

A key folder holds two environment files: the public one (the sealing key's id and public half),
which the web and the customer worker read, and billing's, which names the private keyrings and is
given to billing's worker only. Creating keys needs no configured Django.
"""

import base64
import binascii
import contextlib
import os
import re
import secrets
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox
from nacl.secret import SecretBox
from nacl.utils import random as random_bytes

KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
PUBLIC_ENV_FILE = "card-sealing-public.env"
BILLING_ENV_FILE = "billing-card-keys.env"
# The single environment file of key folders created before the public and private halves were
# split; the embedded default's folder is upgraded in place, so stored cards stay readable.
COMBINED_ENV_FILE = "card-keys.env"
PUBLIC_VARIABLES = ("CARD_SEALING_KEY_ID", "CARD_SEALING_PUBLIC_KEY")
SEALING_PRIVATE_KEYS_FILE = "card-sealing-private.keys"
STORAGE_KEYS_FILE = "card-storage.keys"


class CardKeysExist(Exception):
    """The folder already holds files: overwriting keys would make stored cards unreadable."""


class CardUnreadable(Exception):
    """Sealed card data that billing cannot open or understand; no retry can change that."""


class KeyringInvalid(ValueError):
    """A keyring that cannot be read. The message names an entry, never its key: keys are secret."""


def keyring_parse(text: str, *, key_size: int) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for position, entry in enumerate(re.split(r"[\s,]+", text.strip()), start=1):
        if not entry:
            continue
        key_id, separator, encoded = entry.partition(":")
        if not separator or not KEY_ID.fullmatch(key_id):
            raise KeyringInvalid(f"entry {position} is not `id:base64key`")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise KeyringInvalid(f"key {key_id!r} is not base64") from None
        if len(key) != key_size:
            raise KeyringInvalid(f"key {key_id!r} is not {key_size} bytes long")
        if key_id in keys:
            raise KeyringInvalid(f"key id {key_id!r} appears twice")
        keys[key_id] = key
    return keys


def card_keys_generate(folder: Path) -> str:
    """Writes a new sealing key pair and storage key into `folder`, which must not hold files yet,
    and returns the environment lines that use them.

    The files are written into a private staging folder that is then renamed into place: the rename
    is atomic and fails if another process got there first, so the keys appear whole or not at all.
    """
    folder = folder.absolute()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise CardKeysExist(f"{folder} already exists and is not empty: refusing to overwrite keys")
    folder.parent.mkdir(parents=True, exist_ok=True)
    suffix = f"{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"
    sealing_id, storage_id = f"seal-{suffix}", f"store-{suffix}"
    private_key = PrivateKey.generate()
    public_key = base64.b64encode(bytes(private_key.public_key)).decode()
    public_lines = (
        "# Web and customer worker: seal card data for billing.\n"
        f"CARD_SEALING_KEY_ID={sealing_id}\n"
        f"CARD_SEALING_PUBLIC_KEY={public_key}\n"
    )
    billing_lines = (
        "# Billing worker only: opens sealed card data and encrypts numbers at rest.\n"
        f"CARD_SEALING_PRIVATE_KEYS_FILE={folder / SEALING_PRIVATE_KEYS_FILE}\n"
        f"CARD_STORAGE_KEY_ID={storage_id}\n"
        f"CARD_STORAGE_KEYS_FILE={folder / STORAGE_KEYS_FILE}\n"
    )
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        _write_private(staging / SEALING_PRIVATE_KEYS_FILE, _entry(sealing_id, bytes(private_key)))
        _write_private(
            staging / STORAGE_KEYS_FILE, _entry(storage_id, random_bytes(SecretBox.KEY_SIZE))
        )
        _write_private(staging / PUBLIC_ENV_FILE, public_lines)
        _write_private(staging / BILLING_ENV_FILE, billing_lines)
        try:
            os.rename(staging, folder)
        except OSError:
            raise CardKeysExist(
                f"{folder} was created meanwhile: refusing to overwrite keys"
            ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return (
        f"# Card keys in {folder}. Keep the private and storage keys secret and backed up:\n"
        "# without the storage keys no stored card number can be read again.\n"
        f"{public_lines}{billing_lines}"
    )


def card_keys_embedded(folder: Path) -> bool:
    """Creates the embedded default's keys in `folder` unless they are there; returns whether it
    created them. Safe when several processes start at once: one set is created, the others wait
    for nothing and find it."""
    if (folder / COMBINED_ENV_FILE).exists():
        _combined_env_file_split(folder)
    if (folder / BILLING_ENV_FILE).exists():
        return False
    try:
        card_keys_generate(folder)
    except CardKeysExist:
        if not (folder / BILLING_ENV_FILE).exists():
            raise
        return False
    return True


def _combined_env_file_split(folder: Path) -> None:
    try:
        lines = (folder / COMBINED_ENV_FILE).read_text().splitlines(keepends=True)
    except FileNotFoundError:  # another process has just split it
        return
    public, billing = [], []
    for line in lines:
        if "=" in line and not line.startswith("#"):
            (public if line.split("=", 1)[0] in PUBLIC_VARIABLES else billing).append(line)
    _write_once(folder / PUBLIC_ENV_FILE, "".join(public))
    _write_once(folder / BILLING_ENV_FILE, "".join(billing))
    (folder / COMBINED_ENV_FILE).unlink(missing_ok=True)


def _write_once(path: Path, text: str) -> None:
    """Writes the file whole or not at all: a process starting meanwhile never reads half of it."""
    descriptor, staged = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
        with contextlib.suppress(FileExistsError):
            os.link(staged, path)
    finally:
        os.unlink(staged)


def _entry(key_id: str, key: bytes) -> str:
    return f"{key_id}:{base64.b64encode(key).decode()}\n"


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def _keyring(setting: str, *, key_size: int) -> dict[str, bytes]:
    try:
        keys = keyring_parse(getattr(settings, setting), key_size=key_size)
    except KeyringInvalid as error:
        raise ImproperlyConfigured(f"{setting}: {error}") from None
    if not keys:
        raise ImproperlyConfigured(f"{setting} is not set: billing holds no card keys")
    return keys


def card_data_open(*, key_id: str, sealed_card: str) -> bytes:
    """Opens card data sealed with billing's public key of that id."""
    private_keys = _keyring("CARD_SEALING_PRIVATE_KEYS", key_size=PrivateKey.SIZE)
    if key_id not in private_keys:
        raise CardUnreadable(f"no card sealing private key has the id {key_id!r}")
    try:
        sealed = base64.b64decode(sealed_card, validate=True)
    except binascii.Error:
        raise CardUnreadable("the sealed card data is not base64") from None
    try:
        return SealedBox(PrivateKey(private_keys[key_id])).decrypt(sealed)
    except CryptoError:
        raise CardUnreadable(
            f"the sealed card data does not open with key {key_id!r}: altered, or sealed with "
            "another key of that id"
        ) from None


def storage_key_current() -> str:
    """The id of the at-rest key new card numbers are encrypted under, checked to be one billing
    holds; ImproperlyConfigured, saying which, otherwise."""
    key_id = settings.CARD_STORAGE_KEY_ID
    if key_id not in _keyring("CARD_STORAGE_KEYS", key_size=SecretBox.KEY_SIZE):
        raise ImproperlyConfigured(f"CARD_STORAGE_KEY_ID {key_id!r} is not in CARD_STORAGE_KEYS")
    return key_id


def card_number_encrypt(number: str) -> tuple[str, bytes]:
    """Encrypts a card number under the current at-rest key; returns that key's id with it."""
    key_id = storage_key_current()
    storage_keys = _keyring("CARD_STORAGE_KEYS", key_size=SecretBox.KEY_SIZE)
    return key_id, bytes(SecretBox(storage_keys[key_id]).encrypt(number.encode()))


def card_number_decrypt(*, key_id: str, ciphertext: bytes) -> str:
    """Opens a stored card number, at the point of charging only; the caller keeps it in memory."""
    storage_keys = _keyring("CARD_STORAGE_KEYS", key_size=SecretBox.KEY_SIZE)
    if key_id not in storage_keys:
        raise CardUnreadable(f"no card storage key has the id {key_id!r}")
    try:
        return SecretBox(storage_keys[key_id]).decrypt(bytes(ciphertext)).decode()
    except CryptoError:
        raise CardUnreadable(f"the stored card number does not open with key {key_id!r}") from None
