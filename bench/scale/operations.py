"""The operations the scale benchmark times, each the load generator's workload that sends it.
The helpdesk's search is timed per kind of term, beside its list without a search: a page of
rows, the reference for a search whose matches fill the page."""

from bench.portal.load import HELPDESK_PAGES

OPERATIONS = {
    "log in": "log in",
    "ticket list": "page",
    "ticket with its timeline": "ticket detail",
    "invoice list": "invoice list",
    "ticket submission": "ticket",
    "expert's assignment list": "assignment list",
    **{page: page for page in HELPDESK_PAGES},
}
