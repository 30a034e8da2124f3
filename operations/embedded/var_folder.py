"""The embedded default's folder (`var/`) made ready before any process reads the settings: the
folder private to this account, the secret key every process signs with, the static files' folder.

`make run` does it first; `python -m operations.embedded.var_folder [--var-dir DIR]` does it alone
(for `manage.py` commands on the embedded default without `make run`). The settings only read.
"""

import argparse
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
SECRET_KEY_FILE = "secret-key"  # noqa: S105 (a file name, not a secret)
STATIC_FOLDER = "static"


def default_var_folder() -> Path:
    return Path(os.environ.get("SYSOPS_VAR_DIR") or BASE_DIR / "var")


def var_folder_prepare(var_dir: Path) -> None:
    """Safe to run again: it never replaces a key, so sessions and signed links stay valid. The
    folder is made private even if it exists, which also closes files an older checkout created
    readable by all."""
    var_dir.mkdir(parents=True, exist_ok=True)
    var_dir.chmod(0o700)
    key_file = var_dir / SECRET_KEY_FILE
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    (var_dir / STATIC_FOLDER).mkdir(exist_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m operations.embedded.var_folder", description=__doc__
    )
    parser.add_argument("--var-dir", type=Path, default=default_var_folder())
    # What it creates is this account's alone, as with every process of the project.
    os.umask(0o077)
    var_folder_prepare(parser.parse_args().var_dir.resolve())


if __name__ == "__main__":
    main()
