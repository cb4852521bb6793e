"""Deployment: docker-compose.yml points at things that exist, and production
settings pass Django's deploy checks (README "Deployment")."""

import importlib
import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _argv(command) -> list[str]:
    if isinstance(command, list):
        return command
    argv = shlex.split(command)
    if argv[:2] == ["sh", "-c"]:
        return shlex.split(argv[2].replace("&&", " && "))
    return argv


def test_compose_defines_the_five_services(compose):
    assert set(compose["services"]) >= {"web", "worker", "beat", "postgres", "redis"}


def test_app_services_build_from_an_existing_context_and_dockerfile(compose):
    for name in APP_SERVICES:
        build = compose["services"][name]["build"]
        context = ROOT / build["context"]
        assert context.is_dir(), name
        assert (context / build.get("dockerfile", "Dockerfile")).is_file(), name


def test_dockerfile_uses_python_311_slim_and_collects_static():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "pip install ." in dockerfile
    assert "collectstatic" in dockerfile


def test_web_migrates_collects_static_and_serves_the_wsgi_module(compose):
    argv = _argv(compose["services"]["web"]["command"])
    joined = " ".join(argv)
    assert joined.index("migrate") < joined.index("gunicorn")
    assert "collectstatic" in joined
    assert (ROOT / "manage.py").is_file()
    target = argv[argv.index("gunicorn") + 1]
    module, _, attr = target.partition(":")
    wsgi = importlib.import_module(module)
    assert callable(getattr(wsgi, attr or "application"))


@pytest.mark.parametrize("service,subcommand", [("worker", "worker"), ("beat", "beat")])
def test_celery_services_point_at_the_celery_app(compose, service, subcommand):
    from celery.app.utils import find_app

    argv = _argv(compose["services"][service]["command"])
    assert argv[0] == "celery" and subcommand in argv
    app = find_app(argv[argv.index("-A") + 1])
    assert app.main == "unisocial"
    if "--scheduler" in argv:
        module, _, name = argv[argv.index("--scheduler") + 1].partition(":")
        assert hasattr(importlib.import_module(module), name)


def test_beat_uses_the_database_scheduler(compose):
    argv = _argv(compose["services"]["beat"]["command"])
    scheduler = argv[argv.index("--scheduler") + 1] if "--scheduler" in argv else ""
    assert scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_web_worker_and_beat_share_one_environment(compose):
    envs = [compose["services"][name]["environment"] for name in APP_SERVICES]
    assert envs[0] == envs[1] == envs[2]
    env = envs[0]
    for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"):
        assert key in env, key
    assert str(env["DEBUG"]) == "False"
    assert "@postgres:" in env["DATABASE_URL"]
    assert "//redis:" in env["REDIS_URL"]


def test_postgres_16_keeps_its_data_in_a_volume(compose):
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert any(v.endswith("/var/lib/postgresql/data") for v in postgres["volumes"])


def test_redis_persists_the_queue_and_never_evicts(compose):
    redis = compose["services"]["redis"]
    assert redis["image"].startswith("redis:7")
    argv = _argv(redis["command"])
    assert argv[argv.index("--appendonly") + 1] == "yes"
    assert argv[argv.index("--maxmemory-policy") + 1] == "noeviction"


def test_manage_check_deploy_passes_with_production_settings():
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "unisocial.example.org",
        "DJANGO_SETTINGS_MODULE": "unisocial.settings.base",
        # Production refuses SQLite and a missing broker (SPEC §8); nothing here connects to either.
        "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgres://unisocial@127.0.0.1:5432/unisocial",
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output


def test_responses_carry_the_security_headers(client, db):
    response = client.get("/terms/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_session_cookie_is_http_only(client, user, password):
    assert settings.SESSION_COOKIE_HTTPONLY
    response = client.post("/accounts/login/", {"username": user.username, "password": password})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_the_daily_membership_job_is_scheduled_for_beat(db):
    from django_celery_beat.models import PeriodicTask

    from unisocial.celery import app

    task = PeriodicTask.objects.get(name="expire memberships")
    assert task.enabled and task.crontab is not None
    assert task.crontab.hour == "2" and task.crontab.day_of_week == "*"
    app.loader.import_default_modules()
    assert task.task in app.tasks


def test_the_membership_task_runs_the_service(member, make_community, make_user):
    from datetime import timedelta

    from django.utils import timezone

    from communities.models import Membership
    from communities.tasks import expire_memberships_task

    community = make_community(owner=make_user())
    leaver = make_user()
    membership = member(community, leaver)
    Membership.objects.filter(pk=membership.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    result = expire_memberships_task.delay().get()
    assert result["removed"] == 1
    assert not Membership.objects.filter(pk=membership.pk).exists()
