"""The embedded default keeps its databases, keys and mail under var/, readable by its own account
only: on a shared machine another user must not copy a database or a card key."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, var_dir: Path) -> str:
    return run([sys.executable, "manage.py", *args], var_dir=var_dir)


def run(command: list[str], *, var_dir: Path) -> str:
    # Nothing of this machine's configuration: the embedded default, as a fresh checkout runs it.
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SYSOPS_", "CARD_", "EMAIL_", "CELERY_"))
        and not key.endswith("DATABASE_URL")
    }
    return subprocess.run(
        command,
        cwd=ROOT,
        env=environment
        | {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SYSOPS_VAR_DIR": str(var_dir),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


# SQLite keeps a database's -wal and -shm files only while a connection is open: a process writes,
# and reports the modes of what is there before it closes.
WHILE_WRITING = """
import json, stat
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE mode_probe (x)")
print(json.dumps({
    str(path.relative_to(settings.VAR_DIR.parent)): stat.S_IMODE(path.lstat().st_mode)
    for path in settings.VAR_DIR.rglob("*")
}))
"""


def modes_under(folder: Path) -> dict[str, int]:
    return {
        str(path.relative_to(folder.parent)): stat.S_IMODE(path.lstat().st_mode)
        for path in [folder, *folder.rglob("*")]
    }


def test_everything_the_embedded_default_creates_is_private_to_its_account(tmp_path):
    var_dir = tmp_path / "var"
    # An older checkout's var/ was made readable by everybody.
    var_dir.mkdir(mode=0o755)
    var_dir.chmod(0o755)

    run([sys.executable, "-m", "operations.embedded.var_folder"], var_dir=var_dir)
    manage("generate_card_keys", "--embedded", var_dir=var_dir)
    manage("migrate_all_databases", var_dir=var_dir)
    manage("sendtestemail", "customer@example.com", var_dir=var_dir)
    while_writing = json.loads(
        manage("shell", "--verbosity=0", "-c", WHILE_WRITING, var_dir=var_dir)
    )

    modes = while_writing | modes_under(var_dir)
    created = {Path(name).name for name in modes}
    assert {"default.sqlite3", "customer.sqlite3", "keys", "secret-key", "mail"} <= created
    assert any(name.endswith(".log") for name in created), "no mail was written"
    assert {"default.sqlite3-wal", "default.sqlite3-shm"} <= created
    assert {
        name: oct(mode)
        for name, mode in modes.items()
        if mode != (0o700 if (tmp_path / name).is_dir() else 0o600)
    } == {}
