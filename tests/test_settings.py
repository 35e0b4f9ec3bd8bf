"""Configuration from the environment, and a production configuration that passes
`check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_locale_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


def test_production_settings_pass_the_deploy_check():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "k" * 20 + "production-secret-for-the-deploy-check-0123456789",
            "DJANGO_ALLOWED_HOSTS": "minsheng.example.gov.cn",
            "DATABASE_URL": "postgres://livelihood:pw@db.invalid:5432/livelihood",
            "CELERY_BROKER_URL": "redis://redis.invalid:6379/0",
        },
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = _manage("check", env_overrides={"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_no_broker_means_tasks_run_eagerly():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CELERY_TASK_ALWAYS_EAGER)",
        env_overrides={},
    )
    assert result.stdout.strip().endswith("True")
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CELERY_TASK_ALWAYS_EAGER)",
        env_overrides={"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"},
    )
    assert result.stdout.strip().endswith("False")
