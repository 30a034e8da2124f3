"""Replication of ticketing's support-contract catalog into the customer quantum: a periodic table
replication, not events. Neither quantum knows the other: this job reads ticketing's published
export and hands each page to the customer quantum's import."""

from datetime import timedelta

from tqdm import tqdm

from customer_quantum.services.support_contracts import (
    ReplicationSummary,
    support_contracts_replicate,
    support_contracts_watermark,
)
from ticketing import exports

# A contract's updated_at is taken when it is saved, not when its transaction commits: a contract
# saved just before a run can become visible after the watermark has passed it. Each run re-reads
# this window behind the watermark; the import compares, so re-read contracts are not rewritten.
LATE_COMMIT_WINDOW = timedelta(minutes=1)


def support_contracts_sync(*, show_progress: bool = False) -> ReplicationSummary:
    """Brings the replica up to date, page by page; each page is committed with the watermark."""
    watermark = support_contracts_watermark()
    since = None if watermark is None else watermark - LATE_COMMIT_WINDOW
    pending = exports.support_contract_changes_count(since=since)
    summary = ReplicationSummary()
    after_code = ""
    with tqdm(
        total=pending,
        unit="contract",
        desc="Support contracts",
        disable=not show_progress or pending <= exports.PAGE_SIZE,
    ) as progress:
        while True:
            page = exports.support_contract_changes(since=since, after_code=after_code)
            summary += support_contracts_replicate(changes=page)
            progress.update(len(page.changed))
            if len(page.changed) < exports.PAGE_SIZE:
                return summary
            since, after_code = page.changed[-1].updated_at, page.changed[-1].code
