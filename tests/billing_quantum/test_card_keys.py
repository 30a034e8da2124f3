"""Card keys: `generate_card_keys` writes a new installation's keys and never overwrites any; the
embedded default creates one set however many processes start at once; keyrings keep keys secret."""

import base64
import os
import stat
import subprocess
import sys
import threading
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from nacl.public import PrivateKey

from billing_quantum.card_keys import (
    ENV_FILE,
    SEALING_PRIVATE_KEYS_FILE,
    STORAGE_KEYS_FILE,
    KeyringInvalid,
    card_keys_embedded,
    keyring_parse,
)


def env_of(text: str) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")
    )


def test_the_command_writes_a_key_pair_and_a_storage_key_and_prints_how_to_use_them(tmp_path):
    folder = tmp_path / "keys"
    out = StringIO()

    call_command("generate_card_keys", str(folder), stdout=out)

    printed = env_of(out.getvalue())
    assert set(printed) == {
        "CARD_SEALING_KEY_ID",
        "CARD_SEALING_PUBLIC_KEY",
        "CARD_SEALING_PRIVATE_KEYS_FILE",
        "CARD_STORAGE_KEY_ID",
        "CARD_STORAGE_KEYS_FILE",
    }
    assert printed["CARD_SEALING_PRIVATE_KEYS_FILE"] == str(folder / SEALING_PRIVATE_KEYS_FILE)
    assert printed["CARD_STORAGE_KEYS_FILE"] == str(folder / STORAGE_KEYS_FILE)
    assert (folder / ENV_FILE).read_text() == out.getvalue()
    private_keys = keyring_parse((folder / SEALING_PRIVATE_KEYS_FILE).read_text(), key_size=32)
    storage_keys = keyring_parse((folder / STORAGE_KEYS_FILE).read_text(), key_size=32)
    assert list(private_keys) == [printed["CARD_SEALING_KEY_ID"]]
    assert list(storage_keys) == [printed["CARD_STORAGE_KEY_ID"]]
    public_key = PrivateKey(private_keys[printed["CARD_SEALING_KEY_ID"]]).public_key
    assert base64.b64encode(bytes(public_key)).decode() == printed["CARD_SEALING_PUBLIC_KEY"]
    assert storage_keys[printed["CARD_STORAGE_KEY_ID"]] != bytes(public_key)
    assert {stat.S_IMODE(path.stat().st_mode) for path in folder.iterdir()} == {0o600}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def generate(folder) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "generate_card_keys", str(folder)],
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
    )


def test_the_command_refuses_to_overwrite_keys_with_one_line_saying_why(tmp_path):
    folder = tmp_path / "keys"
    assert generate(folder).returncode == 0
    before = {path.name: path.read_bytes() for path in folder.iterdir()}

    again = generate(folder)

    assert again.returncode != 0
    assert again.stdout == ""
    assert again.stderr.strip().splitlines() == [
        f"CommandError: {folder} already exists and is not empty: refusing to overwrite keys"
    ]
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


def test_the_command_refuses_a_folder_that_holds_anything(tmp_path):
    (tmp_path / "notes.txt").write_text("not keys")

    result = generate(tmp_path)

    assert result.returncode != 0
    assert "refusing to overwrite keys" in result.stderr
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_processes_starting_at_once_share_one_set_of_embedded_keys(tmp_path):
    folder = tmp_path / "keys"
    starters = 8
    start = threading.Barrier(starters)
    env_files = []

    def start_up() -> None:
        start.wait()
        env_files.append(card_keys_embedded(folder))

    threads = [threading.Thread(target=start_up) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert env_files == [folder / ENV_FILE] * starters
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [ENV_FILE, SEALING_PRIVATE_KEYS_FILE, STORAGE_KEYS_FILE]
    )
    assert [path.name for path in tmp_path.iterdir()] == ["keys"]  # no half-written leftovers


def card_keys_seen_by_a_process(environment: dict[str, str]) -> list[str]:
    """The card-key settings of a fresh process given none but `environment`'s card variables."""
    without_card_keys = {
        name: value for name, value in os.environ.items() if not name.startswith("CARD_")
    }
    shown = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--verbosity=0",
            "-c",
            "from django.conf import settings as s; print(s.CARD_SEALING_KEY_ID, "
            "s.CARD_SEALING_PUBLIC_KEY, s.CARD_SEALING_PRIVATE_KEYS.strip(), "
            "s.CARD_STORAGE_KEY_ID, s.CARD_STORAGE_KEYS.strip())",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env={**without_card_keys, **environment, "DJANGO_SETTINGS_MODULE": "tests.settings"},
    )
    return shown.stdout.split()


def test_a_process_with_no_card_keys_set_creates_and_uses_the_embedded_ones(tmp_path):
    sealing_id, public_key, private_keys, storage_id, storage_keys = card_keys_seen_by_a_process(
        {"SYSOPS_VAR_DIR": str(tmp_path)}
    )
    assert private_keys == (tmp_path / "keys" / SEALING_PRIVATE_KEYS_FILE).read_text().strip()
    private_key = PrivateKey(keyring_parse(private_keys, key_size=32)[sealing_id])
    assert base64.b64encode(bytes(private_key.public_key)).decode() == public_key
    assert storage_keys == (tmp_path / "keys" / STORAGE_KEYS_FILE).read_text().strip()
    assert storage_id in keyring_parse(storage_keys, key_size=32)


def test_a_process_given_the_printed_lines_uses_those_keys(tmp_path):
    folder = tmp_path / "keys"
    printed = env_of(generate(folder).stdout)
    assert card_keys_seen_by_a_process(printed) == [
        printed["CARD_SEALING_KEY_ID"],
        printed["CARD_SEALING_PUBLIC_KEY"],
        (folder / SEALING_PRIVATE_KEYS_FILE).read_text().strip(),
        printed["CARD_STORAGE_KEY_ID"],
        (folder / STORAGE_KEYS_FILE).read_text().strip(),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY3ODkwYWI=", "entry 1 is not `id:base64key`"),
        ("store-a:c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY3ODkwYWI=!", "key 'store-a' is not base64"),
        ("store-a:c2VjcmV0", "key 'store-a' is not 32 bytes long"),
        (
            "store-a:c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY3ODkwYWI=,"
            "store-a:c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY3ODkwYWI=",
            "key id 'store-a' appears twice",
        ),
    ],
)
def test_a_bad_keyring_is_refused_without_showing_its_keys(text, problem):
    with pytest.raises(KeyringInvalid) as refused:
        keyring_parse(text, key_size=32)

    assert str(refused.value) == problem
    assert "c2Vj" not in str(refused.value)


def test_a_keyring_reads_entries_on_lines_or_after_commas():
    key = base64.b64encode(bytes(range(32))).decode()

    keys = keyring_parse(f"\n seal-a:{key}\nseal-b:{key}, seal-c:{key}\n", key_size=32)

    assert list(keys) == ["seal-a", "seal-b", "seal-c"]
    assert keys["seal-c"] == bytes(range(32))
