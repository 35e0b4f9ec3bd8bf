"""Configuration from the environment (including where uploads are stored), and a production
configuration that passes `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from livelihood.settings import media_storage

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


S3_ENVIRONMENT = {
    "DJANGO_MEDIA_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME": "livelihood-media",
    "AWS_S3_ENDPOINT_URL": "https://oss.example.gov.cn",
    "AWS_S3_REGION_NAME": "cn-east-1",
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "secret-example",
}


def test_uploads_stay_on_the_file_system_unless_s3_is_chosen():
    assert media_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert media_storage({"DJANGO_MEDIA_STORAGE": "filesystem"}) == media_storage({})
    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_s3_media_storage_is_private_with_short_signed_urls_configured_from_the_environment():
    storage = media_storage(S3_ENVIRONMENT)

    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"] == {
        "bucket_name": "livelihood-media",
        "endpoint_url": "https://oss.example.gov.cn",
        "region_name": "cn-east-1",
        "access_key": "AKIAEXAMPLE",
        "secret_key": "secret-example",
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 300,
        "file_overwrite": False,
    }
    assert (
        media_storage({**S3_ENVIRONMENT, "AWS_QUERYSTRING_EXPIRE": "120"})["OPTIONS"]["querystring_expire"]
        == 120
    )


def test_s3_without_a_bucket_or_an_unknown_storage_refuses_to_start():
    with pytest.raises(RuntimeError, match="AWS_STORAGE_BUCKET_NAME"):
        media_storage({"DJANGO_MEDIA_STORAGE": "s3"})
    with pytest.raises(RuntimeError, match="DJANGO_MEDIA_STORAGE"):
        media_storage({"DJANGO_MEDIA_STORAGE": "ftp"})


def test_the_s3_options_build_a_storage_whose_urls_are_presigned_and_expire():
    # django-storages is the `s3` extra (in dev too); the URL is signed locally, no network.
    pytest.importorskip("storages.backends.s3")
    from django.utils.module_loading import import_string

    from core.media import is_local

    options = media_storage(S3_ENVIRONMENT)
    storage = import_string(options["BACKEND"])(**options["OPTIONS"])
    url = urlsplit(storage.url("visits/2026/11/abc.jpg", parameters={"ResponseContentDisposition": "inline"}))
    query = parse_qs(url.query)

    assert not is_local(storage)
    # Path or virtual-host style, as botocore chooses for the endpoint.
    assert url.scheme == "https" and url.netloc.endswith("oss.example.gov.cn")
    assert "livelihood-media" in url.netloc + url.path and url.path.endswith("/visits/2026/11/abc.jpg")
    assert query["X-Amz-Expires"] == ["300"] and query["X-Amz-Signature"]
    assert query["response-content-disposition"] == ["inline"]
