"""Every task of the apps goes to one of the three queues (checks, notifications, exports), so
each kind has its own workers; without a broker tasks still run in-process as before."""

from __future__ import annotations

import pytest
from django.conf import settings

from livelihood.celery import app as celery_app
from projects.tasks import remove_abandoned_import_files

QUEUES = {"checks", "notifications", "exports"}


def app_tasks() -> list[str]:
    celery_app.loader.import_default_modules()  # what a worker imports at start (autodiscovery)
    return sorted(name for name in celery_app.tasks if name.startswith(("projects.", "supervision.")))


def queue_of(task_name: str) -> str:
    return celery_app.amqp.router.route({}, task_name)["queue"].name


def test_the_apps_have_tasks_to_route():
    assert "supervision.tasks.run_daily_pace_check" in app_tasks()
    assert "projects.tasks.remove_abandoned_import_files" in app_tasks()


@pytest.mark.parametrize("task_name", app_tasks())
def test_every_task_of_the_apps_is_routed_to_a_named_queue(task_name):
    # Named in the routes, not merely falling to the default queue: a new task must choose.
    assert task_name in settings.CELERY_TASK_ROUTES, f"{task_name} has no route in CELERY_TASK_ROUTES"
    assert queue_of(task_name) in QUEUES


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("supervision.tasks.run_daily_pace_check", "checks"),
        ("supervision.tasks.take_monthly_snapshots", "checks"),
        ("supervision.tasks.mark_overdue_rectifications", "checks"),
        ("projects.tasks.remove_abandoned_import_files", "checks"),
        ("supervision.tasks.send_report_reminders", "notifications"),
        ("supervision.tasks.run_export", "exports"),
        ("supervision.tasks.remove_old_exports", "exports"),
    ],
)
def test_each_kind_of_work_has_its_queue(task_name, queue):
    assert queue_of(task_name) == queue


def test_every_scheduled_task_is_routed():
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert queue_of(entry["task"]) in QUEUES and entry["task"] in settings.CELERY_TASK_ROUTES


def test_an_unrouted_name_still_lands_on_a_consumed_queue():
    assert queue_of("supervision.tasks.nobody_routed_this") == "checks"


def test_eager_tasks_still_run_in_process_whatever_their_queue():
    # The embedded default (no broker) runs tasks eagerly; tests/conftest.py keeps that on.
    assert celery_app.conf.task_always_eager is True
    assert remove_abandoned_import_files.delay().get() == 0
