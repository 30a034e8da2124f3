"""compose.yaml, the production shape, read as Docker would read it and held to what the code says:
its processes, command lines and health checks are operations/processes.py's (which `make run`
starts too), its variables are the ones config/settings.py reads and .env.example documents, and
each database alias has a PostgreSQL server of its own. Docker does not run here; this is what
keeps the file true without it."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings

from config.quanta import QUANTA
from operations.embedded.__main__ import PREPARATION, programs
from operations.processes import SystemProcess, system_processes

REPOSITORY = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPOSITORY / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
PROCESSES = system_processes(host="0.0.0.0", port=8000)  # noqa: S104 - inside its container
# Card keys that open a card (billing's private and at-rest keys), as variables or files.
CARD_OPENING_VARIABLES = {
    "BILLING_CARD_KEYS_FILE",
    "CARD_SEALING_PRIVATE_KEYS",
    "CARD_SEALING_PRIVATE_KEYS_FILE",
    "CARD_STORAGE_KEYS",
    "CARD_STORAGE_KEYS_FILE",
}
# Set by the image, not by the settings: which settings module, and Python's own.
IMAGE_VARIABLES = {"DJANGO_SETTINGS_MODULE", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PATH"}


def service_of(process: SystemProcess) -> str:
    return process.name if process.name in {"web", "scheduler"} else f"worker-{process.name}"


def database_url_variable(alias: str) -> str:
    return "DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"


def variables_the_settings_read() -> set[str]:
    source = (REPOSITORY / "config" / "settings.py").read_text()
    named = re.findall(r"(?:env|read|FileAwareEnv\(\))(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source)
    return set(named) | {database_url_variable(alias) for alias in settings.DATABASE_ALIASES}


def documented_variables() -> dict[str, str]:
    """Each variable .env.example shows (commented out or not) with its example value."""
    lines = (REPOSITORY / ".env.example").read_text().splitlines()
    return dict(
        match.groups() for line in lines if (match := re.match(r"#? ?([A-Z][A-Z0-9_]*)=(.*)", line))
    )


def system_services() -> dict[str, dict]:
    return {name: service for name, service in SERVICES.items() if service.get("build")}


@pytest.mark.parametrize("process", PROCESSES, ids=lambda process: process.name)
def test_each_process_runs_in_compose_with_its_command_line_and_health_check(
    process: SystemProcess,
) -> None:
    service = SERVICES[service_of(process)]

    assert service["command"] == list(process.command)
    if process.health_check is None:
        assert "healthcheck" not in service
    else:
        assert service["healthcheck"]["test"] == ["CMD", *process.health_check]


def test_compose_runs_the_processes_make_run_starts_and_nothing_else() -> None:
    embedded = {program.name: program for program in programs(Path("/tmp/var"), 8000)}  # noqa: S108

    assert set(embedded) == {process.name for process in PROCESSES}
    for process in system_processes(host="127.0.0.1", port=8000):
        assert embedded[process.name].argv[1:] == list(process.command[1:])
        assert Path(embedded[process.name].argv[0]).name == process.command[0]
    assert set(system_services()) == {service_of(process) for process in PROCESSES} | {"migrate"}
    assert SERVICES["migrate"]["command"] == ["python", "manage.py", "migrate_all_databases"]
    assert ("migrate_all_databases",) in PREPARATION


def test_the_web_is_probed_on_its_port_and_each_worker_on_its_own_queue() -> None:
    web, *workers, _ = PROCESSES

    assert f"0.0.0.0:{web.health_check[-1]}" in web.command
    for quantum, worker in zip(QUANTA, workers, strict=True):
        queue = worker.command[worker.command.index("--queues") + 1]
        assert (queue, worker.health_check[-2:]) == (quantum, ("worker_health", quantum))


def test_exactly_one_scheduler_and_the_rest_may_scale_out() -> None:
    singles = [process for process in PROCESSES if process.single]

    assert [process.name for process in singles] == ["scheduler"]
    assert SERVICES["scheduler"]["deploy"]["replicas"] == 1
    for process in PROCESSES:
        if not process.single:
            assert "replicas" not in SERVICES[service_of(process)].get("deploy", {})
            assert "container_name" not in SERVICES[service_of(process)]


def test_only_billings_worker_may_open_cards_in_compose_as_on_the_embedded_default() -> None:
    holders = {service_of(process) for process in PROCESSES if process.holds_card_keys}
    embedded = {
        program.name
        for program in programs(Path("/tmp/var"), 8000)  # noqa: S108
        if CARD_OPENING_VARIABLES & program.env.keys()
    }

    assert holders == {"worker-billing"}
    assert embedded == {"billing"}
    for name, service in SERVICES.items():
        opening = CARD_OPENING_VARIABLES & service.get("environment", {}).keys()
        assert bool(opening) == (name in holders), name
        assert bool(service.get("secrets")) == (name in holders), name


def test_each_database_alias_has_a_postgresql_server_of_its_own() -> None:
    environment = SERVICES["web"]["environment"]
    documented = documented_variables()
    servers = set()

    for alias in settings.DATABASE_ALIASES:
        variable = database_url_variable(alias)
        url, example = urlsplit(environment[variable]), urlsplit(documented[variable])
        assert (url.scheme, url.hostname, url.port, url.path) == (
            example.scheme,
            example.hostname,
            example.port,
            example.path,
        ), variable
        server = SERVICES[url.hostname]
        assert server["image"].startswith("postgres:")
        assert server["environment"]["POSTGRES_DB"] == url.path.lstrip("/")
        assert server["volumes"], f"{url.hostname} keeps its data in a volume"
        servers.add(url.hostname)
    assert len(servers) == len(settings.DATABASE_ALIASES)


def test_the_broker_is_redis_with_its_append_only_file() -> None:
    broker = urlsplit(SERVICES["web"]["environment"]["CELERY_BROKER_URL"])
    redis = SERVICES[broker.hostname]

    assert broker.scheme == "redis"
    assert redis["image"].startswith("redis:")
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert redis["volumes"]


def test_every_variable_compose_sets_is_read_by_the_settings_and_documented() -> None:
    read = variables_the_settings_read()
    documented = documented_variables().keys()
    interpolated = set(
        re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (REPOSITORY / "compose.yaml").read_text())
    )

    for name, service in system_services().items():
        for variable in service["environment"]:
            assert variable in read or variable.removesuffix("_FILE") in read, (name, variable)
            assert variable in documented, (name, variable)
    assert interpolated <= documented, interpolated - documented


def test_every_variable_the_settings_read_is_documented() -> None:
    documented = documented_variables().keys()
    undocumented = {
        variable
        for variable in variables_the_settings_read()
        # A secret may be documented in its file form only (NAME_FILE names the file).
        if variable not in documented and f"{variable}_FILE" not in documented
    }

    assert not undocumented


def test_the_image_runs_the_processes_as_an_unprivileged_user() -> None:
    dockerfile = (REPOSITORY / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)", dockerfile, flags=re.MULTILINE)

    assert users and users[-1] not in {"root", "0"}
    assert "SYSOPS_VAR_DIR=/var/lib/sysops" in dockerfile
    assert "scheduler:/var/lib/sysops" in SERVICES["scheduler"]["volumes"]
