"""Card keys: `generate_card_keys` writes a new installation's keys and never overwrites any; the
embedded default's are created by an explicit step, once however many run at once, never by loading
settings; a process reads billing's private keys only when given them; keyrings keep keys secret."""

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
    BILLING_ENV_FILE,
    COMBINED_ENV_FILE,
    PUBLIC_ENV_FILE,
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
    assert env_of((folder / PUBLIC_ENV_FILE).read_text()) == {
        name: printed[name] for name in ("CARD_SEALING_KEY_ID", "CARD_SEALING_PUBLIC_KEY")
    }
    assert env_of((folder / BILLING_ENV_FILE).read_text()) == {
        name: printed[name]
        for name in (
            "CARD_SEALING_PRIVATE_KEYS_FILE",
            "CARD_STORAGE_KEY_ID",
            "CARD_STORAGE_KEYS_FILE",
        )
    }
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


def test_embedded_key_steps_run_at_once_create_one_set(tmp_path):
    folder = tmp_path / "keys"
    starters = 8
    start = threading.Barrier(starters)
    created = []

    def start_up() -> None:
        start.wait()
        created.append(card_keys_embedded(folder))

    threads = [threading.Thread(target=start_up) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(created) == [False] * (starters - 1) + [True]
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [BILLING_ENV_FILE, PUBLIC_ENV_FILE, SEALING_PRIVATE_KEYS_FILE, STORAGE_KEYS_FILE]
    )
    assert [path.name for path in tmp_path.iterdir()] == ["keys"]  # no half-written leftovers


def test_an_embedded_folder_of_the_combined_layout_is_split_and_keeps_its_keys(tmp_path):
    folder = tmp_path / "keys"
    printed = generate(folder).stdout
    (folder / PUBLIC_ENV_FILE).unlink()
    (folder / BILLING_ENV_FILE).unlink()
    (folder / COMBINED_ENV_FILE).write_text(printed)

    assert card_keys_embedded(folder) is False

    assert env_of((folder / PUBLIC_ENV_FILE).read_text()) | env_of(
        (folder / BILLING_ENV_FILE).read_text()
    ) == env_of(printed)
    assert "PRIVATE" not in (folder / PUBLIC_ENV_FILE).read_text()
    assert not (folder / COMBINED_ENV_FILE).exists()


def card_keys_seen_by_a_process(environment: dict[str, str]) -> subprocess.CompletedProcess:
    """The card-key settings of a fresh process of the product's settings, given none but
    `environment`'s card variables."""
    without_card_keys = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CARD_", "BILLING_CARD_"))
    }
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--verbosity=0",
            "-c",
            "from django.conf import settings as s; print(repr([s.CARD_SEALING_KEY_ID, "
            "s.CARD_SEALING_PUBLIC_KEY, s.CARD_SEALING_PRIVATE_KEYS.strip(), "
            "s.CARD_STORAGE_KEY_ID, s.CARD_STORAGE_KEYS.strip()]))",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.BASE_DIR,
        env={**without_card_keys, **environment, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )


def seen(environment: dict[str, str]) -> list[str]:
    shown = card_keys_seen_by_a_process(environment)
    assert shown.returncode == 0, shown.stderr
    return eval(shown.stdout)  # noqa: S307 - the repr of a list of strings this test printed


def test_loading_settings_creates_no_keys_and_finds_none_before_the_embedded_step(tmp_path):
    assert seen({"SYSOPS_VAR_DIR": str(tmp_path)}) == ["", "", "", "", ""]
    assert not (tmp_path / "keys").exists()


def test_after_the_embedded_step_a_process_reads_the_public_key_and_only_billing_more(tmp_path):
    step = subprocess.run(
        [sys.executable, "manage.py", "generate_card_keys", "--embedded"],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "SYSOPS_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        },
    )
    folder = tmp_path / "keys"
    assert step.stdout.startswith(f"card keys created in {folder};")
    public = env_of((folder / PUBLIC_ENV_FILE).read_text())
    billing = env_of((folder / BILLING_ENV_FILE).read_text())
    private_keys = (folder / SEALING_PRIVATE_KEYS_FILE).read_text().strip()
    storage_keys = (folder / STORAGE_KEYS_FILE).read_text().strip()

    web = seen({"SYSOPS_VAR_DIR": str(tmp_path)})
    billing_worker = seen(
        {"SYSOPS_VAR_DIR": str(tmp_path), "BILLING_CARD_KEYS_FILE": str(folder / BILLING_ENV_FILE)}
    )

    assert web == [public["CARD_SEALING_KEY_ID"], public["CARD_SEALING_PUBLIC_KEY"], "", "", ""]
    assert billing_worker == [
        public["CARD_SEALING_KEY_ID"],
        public["CARD_SEALING_PUBLIC_KEY"],
        private_keys,
        billing["CARD_STORAGE_KEY_ID"],
        storage_keys,
    ]
    private_key = PrivateKey(keyring_parse(private_keys, key_size=32)[web[0]])
    assert base64.b64encode(bytes(private_key.public_key)).decode() == web[1]


def test_a_billing_keys_file_that_does_not_exist_stops_the_process_saying_which(tmp_path):
    missing = tmp_path / "keys" / BILLING_ENV_FILE

    shown = card_keys_seen_by_a_process(
        {"SYSOPS_VAR_DIR": str(tmp_path), "BILLING_CARD_KEYS_FILE": str(missing)}
    )

    assert shown.returncode != 0
    assert f"BILLING_CARD_KEYS_FILE names {missing}, which does not exist" in shown.stderr


def test_a_process_given_the_printed_lines_uses_those_keys(tmp_path):
    folder = tmp_path / "keys"
    printed = env_of(generate(folder).stdout)
    assert seen({**printed, "SYSOPS_VAR_DIR": str(tmp_path / "var")}) == [
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
