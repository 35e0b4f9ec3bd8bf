"""docker-compose.yml describes the production shape: several stateless web replicas behind
nginx, migrations run once before anything starts, one worker service per Celery queue that
together consume every queue the tasks are routed to, exactly one beat, Redis in its three roles
on separate databases, and media on a volume every container shares."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker-checks", "worker-notifications", "worker-exports", "beat")


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def interpolate(text: str) -> str:
    """What `docker compose config` makes of ${VAR:-default} and $$ with no such variable set."""
    return re.sub(r"(?<!\$)\$\{(\w+):-([^}]*)\}", r"\2", text).replace("$$", "$")


def command_of(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(interpolate(command)) if isinstance(command, str) else list(command)


def option(command: list[str], name: str) -> str | None:
    for index, word in enumerate(command):
        if word == name:
            return command[index + 1]
        if word.startswith(name + "="):
            return word.split("=", 1)[1]
    return None


def celery_role(service: dict) -> str | None:
    command = command_of(service) if "command" in service else []
    if command[:3] == ["celery", "-A", "livelihood"]:
        return command[3]
    return None


def test_web_runs_several_replicas_with_gunicorn_workers_from_the_environment(services):
    web = services["web"]
    assert web["deploy"]["replicas"] >= 2
    assert "ports" not in web  # replicas publish nothing; nginx is the one entry point
    command = " ".join(command_of(web))
    assert "gunicorn livelihood.wsgi:application" in command
    assert "${GUNICORN_WORKERS:-2}" in web["command"] and option(command_of(web), "--workers") == "2"
    assert "migrate" not in command and "collectstatic" not in command


def test_migrations_and_static_files_run_once_before_web_workers_and_beat(services):
    migrate = services["migrate"]
    assert "manage.py migrate" in " ".join(command_of(migrate))
    assert "collectstatic" in " ".join(command_of(migrate))
    assert migrate["restart"] == "no" and "migrate" not in migrate.get("depends_on", {})
    assert "deploy" not in migrate  # one container
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, (
            name
        )
        assert "manage.py migrate" not in " ".join(command_of(services[name])), name


def test_the_worker_services_together_consume_every_routed_queue(services):
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    routed.add(settings.CELERY_TASK_DEFAULT_QUEUE)
    consumed = {}
    for name, service in services.items():
        if celery_role(service) == "worker":
            queues = option(command_of(service), "-Q")
            assert queues, f"{name} consumes no named queue (-Q)"
            for queue in queues.split(","):
                consumed[queue] = name
    assert routed == {"checks", "notifications", "exports"}
    assert set(consumed) == routed
    assert consumed == {
        "checks": "worker-checks",
        "notifications": "worker-notifications",
        "exports": "worker-exports",
    }


def test_the_export_worker_runs_few_exports_and_recycles_children_that_grew(services):
    command = command_of(services["worker-exports"])
    assert option(command, "--concurrency") == "1"
    assert int(option(command, "--max-memory-per-child")) > 0


def test_exactly_one_beat(services):
    beats = [name for name, service in services.items() if celery_role(service) == "beat"]
    assert beats == ["beat"]
    assert services["beat"]["deploy"]["replicas"] == 1


def test_redis_is_broker_cache_and_result_backend_on_separate_databases(services):
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        urls = [
            interpolate(environment[variable])
            for variable in ("CELERY_BROKER_URL", "DJANGO_CACHE_URL", "CELERY_RESULT_BACKEND")
        ]
        databases = [re.fullmatch(r"redis://redis:6379/(\d+)", url).group(1) for url in urls]
        assert len(set(databases)) == 3, (name, urls)
    assert services["web"]["environment"]["MEDIA_ACCEL_REDIRECT_PREFIX"] == "/protected-media/"


def test_media_is_one_volume_shared_by_web_workers_and_nginx(services):
    for name in (*APP_SERVICES, "migrate"):
        assert "media:/app/media" in services[name]["volumes"], name
    assert "media:/app/media:ro" in services["nginx"]["volumes"]


def test_nginx_spreads_requests_over_the_web_replicas_by_docker_dns():
    conf = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert re.search(r"^resolver 127\.0\.0\.11 ", conf, re.M)
    assert "set $livelihood_web web:8000;" in conf and "proxy_pass http://$livelihood_web;" in conf
    assert "internal;" in conf  # photos still only through Django's check


def test_env_example_documents_the_result_backend_and_the_s3_option():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for variable in (
        "CELERY_RESULT_BACKEND=",
        "GUNICORN_WORKERS=",
        "DJANGO_MEDIA_STORAGE=",
        "AWS_STORAGE_BUCKET_NAME=",
        "AWS_S3_ENDPOINT_URL=",
        "AWS_ACCESS_KEY_ID=",
        "AWS_SECRET_ACCESS_KEY=",
        "AWS_S3_REGION_NAME=",
    ):
        assert variable in example, variable
