"""Staff's admin lists over the tables of millions of rows (`config.admin_lists`), on the full-size
databases a `python -m bench.scale --keep` run left: each list without a search and searched for
a key, timed once warm, its statements explained; exits non-zero on a sequential scan of a table
over 100,000 rows. `python -m bench.scale.admin_lists [--term 12345]`."""

import argparse
import os
import sys
import time
import uuid

import django

from bench.portal.system import Databases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--databases", default="bench_scale", help="as `bench.scale` was given")
    parser.add_argument("--term", default="12345", help="searched for: a key of some rows")
    options = parser.parse_args()
    databases = Databases(options.postgres, prefix=f"{options.databases}_full")
    if not databases.exist():
        raise SystemExit(f"no {databases.prefix}_* databases: run `python -m bench.scale --keep`")
    os.environ.update(
        databases.urls(),
        DJANGO_SETTINGS_MODULE="bench.scale.settings",
        DJANGO_SECRET_KEY=uuid.uuid4().hex,
        LOG_LEVEL="WARNING",
    )
    django.setup()

    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from bench.scale.plans import probe
    from bench.scale.prepare import PROBE_HOST
    from config.admin_lists import LargeTableAdmin

    staff, _ = get_user_model().objects.get_or_create(
        username="bench-admin-lists", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST=PROBE_HOST)
    client.force_login(staff)
    print("| list | search | statements | ms | tables read whole |\n|---|---|---:|---:|---|")
    scanned = False
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, LargeTableAdmin):
            continue
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        for query in ({}, {"q": options.term}):
            statements = probe(lambda url=url, query=query: client.get(url, query))
            started = time.monotonic()
            response = client.get(url, query)
            milliseconds = (time.monotonic() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{url} {query}: answered {response.status_code}, not 200")
            scans = sorted({table for s in statements for table, _ in s.sequential_scans})
            scanned |= bool(scans)
            print(
                f"| {opts.app_label}.{opts.model_name} | {query.get('q', '—')} | "
                f"{len(statements)} | {milliseconds:.0f} | {', '.join(scans) or 'none'} |"
            )
    if scanned:
        sys.exit(1)


if __name__ == "__main__":
    main()
