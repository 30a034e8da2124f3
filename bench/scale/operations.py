"""The operations the scale benchmark times, each the load generator's workload that sends it."""

OPERATIONS = {
    "log in": "log in",
    "ticket list": "page",
    "ticket with its timeline": "ticket detail",
    "invoice list": "invoice list",
    "ticket submission": "ticket",
    "expert's assignment list": "assignment list",
    "helpdesk search": "helpdesk search",
}
