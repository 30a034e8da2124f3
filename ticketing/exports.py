"""What ticketing publishes of its support-contract catalog for replication, a periodic copy of the
table rather than events: the contracts changed since a watermark, one page at a time, oldest change first."""

from datetime import datetime

from django.db.models import QuerySet

from message_contracts.support_contracts import SupportContractChanges, SupportContractRecord
from ticketing.models import SupportContract

PAGE_SIZE = 500


def _changed_since(since: datetime | None) -> QuerySet[SupportContract]:
    contracts = SupportContract.objects.all()
    return contracts if since is None else contracts.filter(updated_at__gte=since)


def support_contract_changes_count(*, since: datetime | None) -> int:
    """How many contracts `support_contract_changes` will publish from `since` on."""
    return _changed_since(since).count()


def support_contract_changes(
    *, since: datetime | None, after_code: str = ""
) -> SupportContractChanges:
    """One page (PAGE_SIZE) of the contracts changed at or after `since`; all when it is None.

    Pages are ordered by (updated_at, code), so a page may end inside a group of contracts saved in
    the same instant: the next page starts after the last record's (updated_at, code), given back as
    `since` and `after_code`. A contract may be published again; the importer compares.
    """
    contracts = _changed_since(since).order_by("updated_at", "code")
    if after_code:
        contracts = contracts.exclude(updated_at=since, code__lte=after_code)
    changed = [
        SupportContractRecord.model_validate(contract, from_attributes=True)
        for contract in contracts[:PAGE_SIZE]
    ]
    # Read after the page, so every contract of the page is listed unless it was deleted meanwhile:
    # the importer retires what is not listed, and must never retire a contract it was just given.
    existing_codes = frozenset(SupportContract.objects.values_list("code", flat=True))
    return SupportContractChanges(changed=changed, existing_codes=existing_codes)
