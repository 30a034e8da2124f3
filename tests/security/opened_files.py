"""Runs a Python program as it would run on its own, recording every file it opens under a folder
(a Python audit hook sees each `open`, whatever opens it); on SIGTERM writes those files and the
program's Django settings to a JSON report, then exits.

    python -m tests.security.opened_files REPORT FOLDER manage.py runserver ...
"""

import json
import os
import runpy
import signal
import sys


def main() -> None:
    report, folder, program, *arguments = sys.argv[1:]
    folder = os.path.realpath(folder)
    opened: set[str] = set()

    def record(event: str, args: tuple) -> None:
        if event == "open" and isinstance(args[0], str | bytes):
            path = os.path.realpath(os.fsdecode(args[0]))
            if path.startswith(folder + os.sep):
                opened.add(path)

    def write_report(signum, frame) -> None:
        from django.conf import settings

        values = {name: repr(getattr(settings, name)) for name in dir(settings) if name.isupper()}
        with open(report, "w") as file:
            json.dump({"opened": sorted(opened), "settings": values}, file)
        os._exit(0)

    sys.addaudithook(record)
    signal.signal(signal.SIGTERM, write_report)
    sys.argv = [program, *arguments]
    runpy.run_path(program, run_name="__main__")


if __name__ == "__main__":
    main()
