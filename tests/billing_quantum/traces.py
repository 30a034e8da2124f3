"""Following card data through the quanta: sealing it as the customer quantum does, envelopes as a
worker receives them, and every place card data could be left behind."""

import base64
import json
import re

from django.conf import settings
from django.db import connections
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

from billing_quantum.card_keys import keyring_parse


def seal(card: dict | bytes, *, public_key: PublicKey | None = None) -> str:
    """Card data sealed for billing as the customer quantum seals it, by default with the
    configured public key."""
    public_key = public_key or PublicKey(base64.b64decode(settings.CARD_SEALING_PUBLIC_KEY))
    plaintext = card if isinstance(card, bytes) else json.dumps(card).encode()
    return base64.b64encode(SealedBox(public_key).encrypt(plaintext)).decode()


def unseal(sealed_card: str, *, key_id: str) -> dict:
    """Opens sealed card data with billing's private key of that id."""
    private_key = keyring_parse(settings.CARD_SEALING_PRIVATE_KEYS, key_size=PrivateKey.SIZE)
    return json.loads(
        SealedBox(PrivateKey(private_key[key_id])).decrypt(base64.b64decode(sealed_card))
    )


def stored_number(ciphertext: bytes, key_id: str) -> str:
    """Opens a stored card number with billing's at-rest key of that id."""
    key = keyring_parse(settings.CARD_STORAGE_KEYS, key_size=SecretBox.KEY_SIZE)[key_id]
    return SecretBox(key).decrypt(bytes(ciphertext)).decode()


def envelope_of(row, *, sender: str) -> dict:
    """The envelope a worker receives for an outbox row."""
    return {
        "id": str(row.id),
        "type": row.type,
        "version": row.version,
        "occurred_at": row.created_at.isoformat(),
        "correlation_id": str(row.correlation_id),
        "sender": sender,
        "payload": row.payload,
    }


def database_dump(alias: str) -> str:
    """Every row of every table of one database, binary values as hex."""
    connection = connections[alias]
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                values = [
                    bytes(value).hex() if isinstance(value, bytes | memoryview) else value
                    for value in row
                ]
                lines.append(f"{table}: {values!r}")
    return "\n".join(lines)


def broker_dump(messages: list[str]) -> str:
    """Messages as the broker holds them, with each task body decoded from base64."""
    parts = []
    for raw in messages:
        parts += [raw, base64.b64decode(json.loads(raw)["body"]).decode()]
    return "\n".join(parts)


def appears(secret: str, text: str) -> bool:
    """Whether a card number or CVC is in the text. A short CVC counts only as a token of its own:
    as part of a longer number, a UUID or a base64 string it is a coincidence, not a leak."""
    if len(secret) >= 12:
        return secret in text
    return re.search(rf"(?<![0-9A-Za-z-]){re.escape(secret)}(?![0-9A-Za-z-])", text) is not None
