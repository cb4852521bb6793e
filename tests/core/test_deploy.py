"""Deployment (docs/deploy.md): docker-compose.yml, the Dockerfile, gunicorn.conf.py and the
hashed lock point at things that exist and say what an organisation runs (a migrate one-off
before the app, PgBouncer in transaction mode, an object store, healthchecks, one beat, workers
stopped only after their longest task), and production settings pass Django's deploy checks."""

import importlib
import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import threading
import tomllib
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from importlib import metadata
from pathlib import Path

import environ
import pytest
import yaml
from django.conf import settings
from django.http.request import validate_host
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "worker-records", "beat")
ALL_APP_SERVICES = ("migrate", *APP_SERVICES)
WSGI_TARGET = "unisocial.wsgi:application"


# What an operator must set (docker-compose.yml refuses to start without them: ${NAME:?…}).
REQUIRED_ENV = {
    "SECRET_KEY": "s" * 50,
    "ALLOWED_HOSTS": "unisocial.example.org",
    "POSTGRES_PASSWORD": "pg-secret",
    "MINIO_ROOT_PASSWORD": "minio-secret",
    "AWS_SECRET_ACCESS_KEY": "app-secret",
}
_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def _interpolate(value, env: dict[str, str]):
    """Compose's variable interpolation (${X}, ${X:-default}, ${X-default}, ${X:?error}, $$)."""
    if isinstance(value, dict):
        return {k: _interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def replace(match):
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name", "op", "arg")
        current = env.get(name)
        if op in (":-", ":?") and not current or op in ("-", "?") and current is None:
            if op.endswith("?"):
                raise LookupError(f"{name}: {arg}")
            return arg if op else ""
        return current or ""

    return _VARIABLE.sub(replace, value)


def _compose_text() -> str:
    return (ROOT / "docker-compose.yml").read_text()


@pytest.fixture(scope="module")
def compose():
    """docker-compose.yml as compose reads it with the required variables set (nothing else)."""
    return _interpolate(yaml.safe_load(_compose_text()), REQUIRED_ENV)


def test_compose_refuses_to_start_without_its_secrets():
    raw = yaml.safe_load(_compose_text())
    for name in REQUIRED_ENV:
        with pytest.raises(LookupError, match=name):
            _interpolate(raw, {k: v for k, v in REQUIRED_ENV.items() if k != name})
    required = set(re.findall(r"\$\{(\w+):\?", _compose_text()))
    assert required == set(REQUIRED_ENV)


def _argv(command) -> list[str]:
    if isinstance(command, list):
        return command
    argv = shlex.split(command)
    if argv[:2] == ["sh", "-c"]:
        return shlex.split(argv[2].replace("&&", " && "))
    return argv


def _seconds(duration: str) -> int:
    """A compose duration ("31m", "40s", "1h30m") in seconds."""
    parts = re.findall(r"(\d+)(h|m|s)", str(duration))
    assert parts and "".join(n + u for n, u in parts) == str(duration), duration
    return sum(int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in parts)


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, arguments = line.strip().partition(" ")
            out.append((instruction.upper(), arguments.strip()))
    return out


def _exec_form(arguments: str) -> list[str]:
    argv = json.loads(arguments)
    assert isinstance(argv, list), arguments
    return argv


# --- services ----------------------------------------------------------------------------------


def test_compose_defines_the_services(compose):
    assert set(compose["services"]) >= {
        "migrate",
        "web",
        "worker",
        "worker-records",
        "beat",
        "pgbouncer",
        "postgres",
        "redis",
        "minio",
        "minio-bucket",
    }


def test_app_services_build_from_an_existing_context_and_dockerfile(compose):
    for name in ALL_APP_SERVICES:
        build = compose["services"][name]["build"]
        context = ROOT / build["context"]
        assert context.is_dir(), name
        assert (context / build.get("dockerfile", "Dockerfile")).is_file(), name


def test_migrate_is_a_one_off_that_every_app_service_waits_for(compose):
    migrate = compose["services"]["migrate"]
    assert _argv(migrate["command"]) == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        depends = compose["services"][name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert "migrate" not in _argv(compose["services"][name]["command"]), name


def test_web_serves_the_wsgi_module_through_the_gunicorn_conf_and_migrates_nothing(compose):
    argv = _argv(compose["services"]["web"]["command"])
    assert argv == ["gunicorn", "-c", "gunicorn.conf.py", WSGI_TARGET]
    assert "migrate" not in argv and "collectstatic" not in argv
    module, _, attr = argv[-1].partition(":")
    wsgi = importlib.import_module(module)
    assert callable(getattr(wsgi, attr))


@pytest.mark.parametrize("service,subcommand", [("worker", "worker"), ("worker-records", "worker"), ("beat", "beat")])
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


def test_app_services_share_one_environment(compose):
    envs = [compose["services"][name]["environment"] for name in APP_SERVICES]
    assert all(env == envs[0] for env in envs), "web, the workers and beat must see the same settings"
    env = envs[0]
    for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"):
        assert key in env, key
    assert str(env["DEBUG"]) == "False"
    assert "//redis:" in env["REDIS_URL"]
    # Passed through from the host when set there, absent otherwise (null in compose).
    for key in ("EMAIL_URL", "CACHE_URL", "WEB_CONCURRENCY"):
        assert key in env and env[key] is None, key


def test_the_app_reaches_postgresql_through_pgbouncer_in_transaction_mode(compose):
    env = compose["services"]["web"]["environment"]
    config = environ.Env.db_url_config(env["DATABASE_URL"])
    assert config["HOST"] == "pgbouncer" and config["NAME"] == "unisocial"
    # Server-side cursors (QuerySet.iterator()) cannot cross PgBouncer's transaction pooling.
    assert config["DISABLE_SERVER_SIDE_CURSORS"] is True
    # No startup options: PgBouncer refuses them (docs/performance.md, "Database session settings").
    assert "options" not in config["OPTIONS"]
    pgbouncer = compose["services"]["pgbouncer"]
    assert pgbouncer["environment"]["POOL_MODE"] == "transaction"
    assert environ.Env.db_url_config(pgbouncer["environment"]["DATABASE_URL"])["HOST"] == "postgres"
    assert pgbouncer["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        assert compose["services"][name]["depends_on"]["pgbouncer"]["condition"] == "service_healthy", name


def test_migrate_goes_straight_to_postgresql(compose):
    env = compose["services"]["migrate"]["environment"]
    assert environ.Env.db_url_config(env["DATABASE_URL"])["HOST"] == "postgres"
    web_env = compose["services"]["web"]["environment"]
    assert {k: v for k, v in env.items() if k != "DATABASE_URL"} == {
        k: v for k, v in web_env.items() if k != "DATABASE_URL"
    }


def test_files_go_to_the_object_store_whose_bucket_a_one_off_creates(compose):
    env = compose["services"]["web"]["environment"]
    for key in (
        "STORAGE_BACKEND",
        "AWS_S3_ENDPOINT_URL",
        "AWS_STORAGE_BUCKET_NAME",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_S3_REGION_NAME",
    ):
        assert key in env, key
    assert env["STORAGE_BACKEND"] == "s3"
    assert "//minio:9000" in env["AWS_S3_ENDPOINT_URL"]
    minio = compose["services"]["minio"]
    assert minio["image"].startswith("minio/minio:RELEASE.")  # pinned, overridable by MINIO_IMAGE
    assert any(v.endswith(":/data") for v in minio["volumes"])
    assert "healthcheck" in minio
    bucket = compose["services"]["minio-bucket"]
    assert bucket["restart"] == "no"
    assert bucket["depends_on"]["minio"]["condition"] == "service_healthy"
    # The one-off creates the bucket the app is told to use, versioned, and the app's own key.
    assert bucket["environment"]["BUCKET"] == env["AWS_STORAGE_BUCKET_NAME"]
    assert bucket["environment"]["APP_KEY"] == env["AWS_ACCESS_KEY_ID"]
    assert bucket["environment"]["APP_SECRET"] == env["AWS_SECRET_ACCESS_KEY"]
    script = bucket["command"][0]
    assert 'mc mb --ignore-existing "store/$BUCKET"' in script
    assert 'mc version enable "store/$BUCKET"' in script
    assert 'mc admin user add store "$APP_KEY" "$APP_SECRET"' in script
    # Old versions expire (a destroyed record's file does not live on in the store forever).
    assert '"NoncurrentVersionExpiration": {"NoncurrentDays": $VERSION_DAYS}' in script
    assert 'mc ilm rule import "store/$BUCKET"' in script
    assert int(bucket["environment"]["VERSION_DAYS"]) > 0
    for name in APP_SERVICES:
        depends = compose["services"][name]["depends_on"]
        assert depends["minio-bucket"]["condition"] == "service_completed_successfully", name


# --- healthchecks ------------------------------------------------------------------------------


@pytest.mark.parametrize("service", ["web", "worker", "worker-records", "postgres", "redis", "pgbouncer", "minio"])
def test_long_running_services_have_a_healthcheck(compose, service):
    healthcheck = compose["services"][service]["healthcheck"]
    assert not healthcheck.get("disable")
    assert healthcheck["test"][0] in ("CMD", "CMD-SHELL")
    assert _seconds(healthcheck["timeout"]) <= _seconds(healthcheck["interval"])


def test_web_healthcheck_runs_the_healthcheck_script_on_a_spec_route(compose):
    test = compose["services"]["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "deploy/healthcheck.py"]
    assert test[3] in ("/healthz", "/readyz")  # SPEC §6
    assert (ROOT / test[2]).is_file()


def test_the_health_routes_exist():
    from django.urls import Resolver404, resolve

    for path in ("/healthz", "/readyz"):
        try:
            resolve(path)
        except Resolver404:
            pytest.fail(f"{path} is not routed (SPEC §6); the web healthcheck needs it")


@pytest.mark.parametrize("service", ["worker", "worker-records"])
def test_worker_healthcheck_pings_its_own_celery_node(compose, service):
    test = compose["services"][service]["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    argv = shlex.split(test[1])
    assert argv[:5] == ["celery", "-A", "unisocial", "inspect", "ping"]
    assert argv[argv.index("--destination") + 1] == "celery@$HOSTNAME"


def test_one_offs_and_beat_have_no_healthcheck_from_the_image(compose):
    for name in ("migrate", "beat"):
        assert compose["services"][name]["healthcheck"] == {"disable": True}, name


class _Handler(BaseHTTPRequestHandler):
    status = 200
    seen: list = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).seen.append((self.path, dict(self.headers)))
        self.send_response(type(self).status)
        if type(self).status == 301:
            self.send_header("Location", "https://example.org/healthz")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_web():
    server = HTTPServer(("127.0.0.1", 0), _Handler)
    _Handler.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _healthcheck_module():
    spec = importlib.util.spec_from_file_location("deploy_healthcheck", ROOT / "deploy" / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("status,healthy", [(200, True), (503, False), (301, False), (400, False)])
def test_healthcheck_script_is_healthy_on_200_only(fake_web, status, healthy):
    healthcheck = _healthcheck_module()
    _Handler.status = status
    port = fake_web.server_address[1]
    assert healthcheck.check("/readyz", port, ".example.org,other.example.org") == (0 if healthy else 1)
    path, headers = _Handler.seen[-1]
    assert path == "/readyz"
    # What Django needs to answer with DEBUG=False: a Host it allows and the proxy's https header.
    assert validate_host(headers["Host"], [".example.org", "other.example.org"])
    assert headers["X-Forwarded-Proto"] == "https"


def test_healthcheck_script_is_unhealthy_when_nothing_answers():
    healthcheck = _healthcheck_module()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert healthcheck.check("/healthz", port, "unisocial.example.org", timeout=2) == 1


@pytest.mark.parametrize(
    "allowed,host",
    [
        ("unisocial.example.org", "unisocial.example.org"),
        ("*", "localhost"),
        ("", "localhost"),
        (" .example.org , x.org", "example.org"),
    ],
)
def test_healthcheck_host_comes_from_allowed_hosts(allowed, host):
    assert _healthcheck_module().host_header(allowed) == host


# --- celery: stopping, queues, one beat --------------------------------------------------------


def _task_time_limits() -> tuple[int, int]:
    """The longest soft and hard time limits any task may run under: the settings' defaults and
    each registered task's own."""
    from unisocial.celery import app

    app.loader.import_default_modules()
    soft = [settings.CELERY_TASK_SOFT_TIME_LIMIT]
    hard = [settings.CELERY_TASK_TIME_LIMIT]
    for task in app.tasks.values():
        soft.append(getattr(task, "soft_time_limit", None) or 0)
        hard.append(getattr(task, "time_limit", None) or 0)
    return max(soft), max(hard)


@pytest.mark.parametrize("service", ["worker", "worker-records"])
def test_workers_are_given_longer_than_their_longest_task_to_stop(compose, service):
    soft, hard = _task_time_limits()
    assert soft >= 15 * 60  # the limits were found (settings 25 min, records reports 15 min)
    grace = _seconds(compose["services"][service]["stop_grace_period"])
    assert grace > soft
    # Longer than the hard limit too: a task still running is ended by Celery, not by SIGKILL.
    assert grace > hard


def test_every_queue_the_app_sends_to_has_a_worker(compose):
    env = compose["services"]["web"]["environment"]
    consumed = set()
    for name in ("worker", "worker-records"):
        argv = _argv(compose["services"][name]["command"])
        assert argv[:4] == ["celery", "-A", "unisocial", "worker"], name
        queues = [a.split("=", 1)[1] for a in argv if a.startswith("--queues=")]
        assert queues, name
        consumed |= set(queues[0].split(","))
    assert "celery" in consumed  # the default queue
    assert env["RECORDS_QUEUE"] in consumed


def test_exactly_one_beat(compose):
    beats = [name for name, s in compose["services"].items() if "beat" in _argv(s.get("command") or [])]
    assert beats == ["beat"]
    assert compose["services"]["beat"]["deploy"]["replicas"] == 1


def test_postgres_16_with_rum_keeps_its_data_in_a_volume(compose):
    postgres = compose["services"]["postgres"]
    # Built from db/Dockerfile: the official postgres:16 plus the rum extension (search's index).
    dockerfile = (ROOT / postgres["build"] / "Dockerfile").read_text()
    assert "FROM postgres:16\n" in dockerfile and "postgresql-16-rum" in dockerfile
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
    Membership.objects.filter(pk=membership.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    result = expire_memberships_task.delay().get()
    assert result["removed"] == 1
    assert not Membership.objects.filter(pk=membership.pk).exists()


# --- the image ---------------------------------------------------------------------------------


def test_dockerfile_uses_python_311_slim_and_collects_static():
    instructions = _dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    assert any(i == "RUN" and "collectstatic" in a for i, a in instructions)


def test_dockerfile_installs_only_the_hashed_lock_then_the_project_without_dependencies():
    instructions = _dockerfile_instructions()
    runs = [a for i, a in instructions if i == "RUN"]
    install = next(a for a in runs if "pip install" in a)
    commands = [shlex.split(c) for c in install.split("&&")]
    lock_install, project_install = commands[0], commands[1]
    assert lock_install[:2] == ["pip", "install"]
    assert {"--require-hashes", "--no-deps"} <= set(lock_install)
    assert lock_install[lock_install.index("-r") + 1] == "requirements.lock"
    assert project_install[:2] == ["pip", "install"] and project_install[-1] == "."
    # No dependency and no build requirement fetched outside the lock.
    assert {"--no-deps", "--no-build-isolation"} <= set(project_install)
    assert not any("pip install" in a for a in runs if a is not install)
    # The lock is copied in before that step (and nothing else pip reads is missing there).
    copies = [a.split() for i, a in instructions[: instructions.index(("RUN", install))] if i == "COPY"]
    assert any("requirements.lock" in c and "pyproject.toml" in c for c in copies)


def test_dockerfile_runs_as_an_unprivileged_user():
    users = [a for i, a in _dockerfile_instructions() if i == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    assert any(i == "RUN" and "useradd --system" in a and users[-1] in a for i, a in _dockerfile_instructions())


def test_dockerfile_checks_health_and_serves_through_the_gunicorn_conf():
    instructions = _dockerfile_instructions()
    healthcheck = next(a for i, a in instructions if i == "HEALTHCHECK")
    options, _, command = healthcheck.partition("CMD ")
    assert "--interval=" in options and "--timeout=" in options
    assert _exec_form(command) == ["python", "deploy/healthcheck.py", "/healthz"]
    cmd = _exec_form(next(a for i, a in instructions if i == "CMD"))
    assert cmd == ["gunicorn", "-c", "gunicorn.conf.py", WSGI_TARGET]


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "node_modules", "var/", ".env"} <= ignored


# --- gunicorn.conf.py, loaded as gunicorn loads it ----------------------------------------------

_LOAD_CONFIG = """
import json, sys
from gunicorn.app.wsgiapp import WSGIApplication
sys.argv = json.loads(sys.argv[1])
app = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]")
names = ["bind", "workers", "threads", "worker_class_str", "timeout", "graceful_timeout", "keepalive",
         "max_requests", "max_requests_jitter", "accesslog", "errorlog", "forwarded_allow_ips", "preload_app",
         "control_socket_disable"]
print(json.dumps({"app_uri": app.app_uri, **{name: getattr(app.cfg, name) for name in names}}))
"""

_GUNICORN_ENV = (
    "WEB_CONCURRENCY",
    "PORT",
    "GUNICORN_BIND",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_GRACEFUL_TIMEOUT",
    "GUNICORN_MAX_REQUESTS",
    "GUNICORN_MAX_REQUESTS_JITTER",
    "FORWARDED_ALLOW_IPS",
    "GUNICORN_CMD_ARGS",
    "GUNICORN_PRELOAD",
)


def _gunicorn_config(argv: list[str], **env: str) -> dict:
    """gunicorn's own configuration (gunicorn.app.wsgiapp, as the gunicorn command builds it) for
    that command line, in a fresh process with only these gunicorn variables set."""
    clean = {k: v for k, v in os.environ.items() if k not in _GUNICORN_ENV}
    result = subprocess.run(
        [sys.executable, "-c", _LOAD_CONFIG, json.dumps(argv)],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _dockerfile_cmd() -> list[str]:
    return _exec_form(next(a for i, a in _dockerfile_instructions() if i == "CMD"))


def test_gunicorn_defaults_from_the_dockerfile_cmd():
    config = _gunicorn_config(_dockerfile_cmd())
    assert config["app_uri"] == WSGI_TARGET
    assert config["bind"] == ["0.0.0.0:8000"]
    assert config["workers"] == min(2 * len(os.sched_getaffinity(0)) + 1, 12)
    assert config["threads"] == 1 and config["worker_class_str"] == "sync"
    assert config["timeout"] == 30 and config["graceful_timeout"] == 30
    assert config["keepalive"] == 5
    assert config["max_requests"] == 1000
    assert 0 < config["max_requests_jitter"] < config["max_requests"]
    assert config["accesslog"] == "-" and config["errorlog"] == "-"
    assert config["forwarded_allow_ips"] == ["127.0.0.1", "::1"]
    assert config["preload_app"] is False
    assert config["control_socket_disable"] is True


def test_gunicorn_takes_its_values_from_the_environment(compose):
    config = _gunicorn_config(
        _argv(compose["services"]["web"]["command"]),
        WEB_CONCURRENCY="7",
        PORT="9000",
        GUNICORN_THREADS="4",
        GUNICORN_TIMEOUT="60",
        GUNICORN_GRACEFUL_TIMEOUT="20",
        GUNICORN_MAX_REQUESTS="500",
        GUNICORN_MAX_REQUESTS_JITTER="50",
        FORWARDED_ALLOW_IPS="10.0.0.0/8,192.0.2.7",
    )
    assert config["app_uri"] == WSGI_TARGET
    assert config["workers"] == 7  # WEB_CONCURRENCY as given, not capped
    assert config["bind"] == ["0.0.0.0:9000"]
    assert config["threads"] == 4 and config["worker_class_str"] == "gthread"
    assert (config["timeout"], config["graceful_timeout"]) == (60, 20)
    assert (config["max_requests"], config["max_requests_jitter"]) == (500, 50)
    assert config["forwarded_allow_ips"] == ["10.0.0.0/8", "192.0.2.7"]
    assert _gunicorn_config(_dockerfile_cmd(), GUNICORN_BIND="unix:/run/gunicorn.sock")["bind"] == [
        "unix:/run/gunicorn.sock"
    ]


@pytest.mark.parametrize("value", ["0", "-3"])
def test_gunicorn_refuses_a_worker_count_below_one(value):
    # 0 reaches gunicorn.conf.py's own check; gunicorn itself refuses a negative WEB_CONCURRENCY first.
    result = subprocess.run(
        [sys.executable, "-c", _LOAD_CONFIG, json.dumps(_dockerfile_cmd())],
        cwd=ROOT,
        env={**os.environ, "WEB_CONCURRENCY": value},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "WEB_CONCURRENCY must be at least 1" in result.stderr or "must be positive: -3" in result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_serves_with_the_conf_and_the_healthcheck_passes_djangos_production_checks(tmp_path):
    """The Dockerfile's CMD for real, with production settings (DEBUG=False: HTTPS redirect, host
    check), on a free port; deploy/healthcheck.py is healthy only because it sends what the proxy
    would. /favicon.ico needs no database (WhiteNoise), so the URLs below are never connected to."""
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in _GUNICORN_ENV},
        "DJANGO_SETTINGS_MODULE": "unisocial.settings.base",
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "unisocial.example.org",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/unused",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "HOME": str(tmp_path),
    }
    argv = _dockerfile_cmd()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name(argv[0])), *argv[1:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    healthcheck = _healthcheck_module()
    try:
        for _ in range(120):
            if healthcheck.check("/favicon.ico", port, env["ALLOWED_HOSTS"], timeout=2) == 0:
                break
            assert server.poll() is None, server.stdout.read()
            threading.Event().wait(0.5)
        else:
            pytest.fail("gunicorn did not answer in 60 s")
        # Without the proxy's header Django redirects to https; with another Host it refuses.
        import http.client

        for headers, status in (({"Host": "unisocial.example.org"}, 301), ({"Host": "evil.example"}, 400)):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/favicon.ico", headers=headers)
            assert connection.getresponse().status == status, headers
            connection.close()
        assert not (tmp_path / ".gunicorn").exists()  # no control socket
    finally:
        server.terminate()  # SIGTERM: a graceful stop
        output = server.communicate(timeout=60)[0]
    assert server.returncode == 0, output
    # The access log goes to standard output, one line per request, the forwarded address first.
    assert '"GET /favicon.ico HTTP/1.1" 200' in output
    assert "Shutting down: Master" in output


def test_web_is_stopped_after_gunicorns_graceful_timeout(compose):
    config = _gunicorn_config(_argv(compose["services"]["web"]["command"]))
    assert _seconds(compose["services"]["web"]["stop_grace_period"]) > config["graceful_timeout"]


# --- requirements.lock -------------------------------------------------------------------------


def _lock() -> dict[str, tuple[Version, list[str], str]]:
    """requirements.lock as {name: (version, hashes, marker)}; every entry must be `name==version`."""
    text = (ROOT / "requirements.lock").read_text()
    entries = {}
    for block in re.sub(r"\\\n\s*", " ", text).splitlines():
        block = block.strip()
        if not block or block.startswith("#"):
            continue
        spec, *options = block.split(" --hash=")
        requirement = Requirement(spec.strip())
        pins = list(requirement.specifier)
        assert len(pins) == 1 and pins[0].operator == "==", f"not pinned: {block[:80]}"
        entries[canonicalize_name(requirement.name)] = (
            Version(pins[0].version),
            [o.split()[0] for o in options],
            str(requirement.marker or ""),
        )
    return entries


def _applies(requirement: Requirement, extras=("",)) -> bool:
    if requirement.marker is None:
        return True
    environment = {
        "python_version": "3.11",
        "python_full_version": "3.11.9",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }
    return any(requirement.marker.evaluate({**environment, "extra": extra}) for extra in extras)


def test_every_lock_entry_is_pinned_with_sha256_hashes():
    lock = _lock()
    assert len(lock) > 20
    for name, (_, hashes, _) in lock.items():
        assert hashes, f"{name} has no hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), name


def test_the_lock_covers_every_runtime_dependency_and_the_build_requirement():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    lock = _lock()
    wanted = [Requirement(r) for r in pyproject["project"]["dependencies"]]
    wanted += [Requirement(r) for r in pyproject["build-system"]["requires"]]
    missing = []
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        if name not in lock:
            missing.append(str(requirement))
            continue
        version = lock[name][0]
        assert requirement.specifier.contains(version, prereleases=True), f"{requirement}: locked {version}"
        # What an extra brings ("celery[redis]" needs redis): read from the locked package's metadata.
        if requirement.extras:
            for sub in metadata.requires(requirement.name) or []:
                sub = Requirement(sub)
                if sub.marker and "extra" in str(sub.marker) and _applies(sub, tuple(requirement.extras)):
                    if canonicalize_name(sub.name) not in lock:
                        missing.append(f"{sub} (for {requirement})")
    assert not missing, f"requirements.lock misses {missing}: run `make lock`"


def _lock_via() -> dict[str, set[str]]:
    """Who needs each lock entry, from its "# via" comments (uv and pip-tools write them)."""
    via, current, in_via = {}, None, False
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if re.match(r"[A-Za-z0-9]", line):
            current, in_via = canonicalize_name(re.split(r"[=;\s\\]", line, maxsplit=1)[0]), False
            via[current] = set()
        elif current and line.strip().startswith("# via"):
            rest = line.strip()[len("# via") :].strip()
            in_via = True
            if rest:
                via[current].add(rest)
        elif current and in_via and line.strip().startswith("#   "):
            via[current].add(line.strip()[1:].strip())
        else:
            in_via = False
    return via


def test_the_lock_carries_no_development_tool():
    """The image gets no test tool: a dev extra is locked only where a runtime package needs it
    (PyYAML, for drf-spectacular)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = {canonicalize_name(Requirement(r).name) for r in pyproject["project"]["dependencies"]}
    dev_only = {canonicalize_name(Requirement(r).name) for r in pyproject["project"]["optional-dependencies"]["dev"]}
    dev_only -= runtime
    via = _lock_via()
    assert via["django"] and "pytest" in dev_only
    for name in dev_only & set(via):
        needed_by = {canonicalize_name(v.split()[0]) for v in via[name] if not v.startswith("-r")}
        assert needed_by - dev_only, f"{name} is locked for {via[name]} only"


def test_the_lock_has_no_marker_that_drops_a_dependency_on_the_image_python():
    # The image is CPython 3.11 on Linux: every locked entry whose marker holds there is installed;
    # an entry for another platform only (e.g. Windows) is allowed, but no runtime dependency may be one.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    lock = _lock()
    for r in pyproject["project"]["dependencies"]:
        marker = lock[canonicalize_name(Requirement(r).name)][2]
        assert not marker or Marker(marker).evaluate({"python_full_version": "3.11.9", "sys_platform": "linux"}), r


# --- known vulnerabilities of the locked versions ----------------------------------------------

PYPI_JSON = "https://pypi.org/pypi/{name}/{version}/json"


def _make_audit_argv() -> list[str]:
    """`make audit`'s command line, pip-audit run by this interpreter."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^audit:.*\n\t(.+)$", makefile, re.M).group(1)
    argv = shlex.split(recipe)
    assert argv[0] == "$(BIN)/pip-audit", recipe
    return [sys.executable, "-m", "pip_audit", *argv[1:]]


def test_make_audit_reads_every_locked_package_offline(tmp_path):
    """`make audit` as written, with --dry-run (no advisory source asked): pip-audit accepts the
    lock's hashes and markers and would audit every entry that applies to this Python."""
    argv = _make_audit_argv()
    assert {"--require-hashes", "--disable-pip", "--strict"} <= set(argv)
    assert argv[argv.index("--requirement") + 1] == "requirements.lock"
    result = subprocess.run(
        [*argv, "--dry-run", "--progress-spinner", "off", "--cache-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    applicable = [name for name, (_, _, marker) in _lock().items() if not marker or Marker(marker).evaluate()]
    assert f"would have audited {len(applicable)} packages" in result.stdout + result.stderr


def test_no_locked_version_has_a_known_vulnerability(tmp_path):
    """pip-audit over requirements.lock with PyPI's advisory data (its per-release JSON API, the
    one vulnerability source pip-audit reaches through PyPI alone). Skipped, saying why, where that
    API does not answer (a mirror that serves the package index but not the JSON API, no network)."""
    lock = _lock()
    name = "django"
    url = PYPI_JSON.format(name=name, version=lock[name][0])
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            json.load(response)["vulnerabilities"]
    except (urllib.error.URLError, OSError, KeyError, ValueError) as error:
        pytest.skip(
            f"PyPI's vulnerability data is unreachable from here ({url}: {error}); run `make audit` where it is"
        )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(ROOT / "requirements.lock"),
            "--require-hashes",
            "--disable-pip",
            "--vulnerability-service",
            "pypi",
            "--format",
            "json",
            "--progress-spinner",
            "off",
            "--timeout",
            "15",
            "--cache-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    vulnerable = {d["name"]: [v["id"] for v in d["vulns"]] for d in report["dependencies"] if d.get("vulns")}
    skipped = {d["name"]: d["skip_reason"] for d in report["dependencies"] if d.get("skip_reason")}
    assert not vulnerable, f"known vulnerabilities: {vulnerable}; upgrade them in pyproject.toml and `make lock`"
    assert not skipped, f"not audited: {skipped}"


# --- docs/deploy.md ----------------------------------------------------------------------------


def test_the_deploy_guide_names_every_variable_and_service_and_the_readme_links_it(compose):
    guide = (ROOT / "docs" / "deploy.md").read_text()
    assert "docs/deploy.md" in (ROOT / "README.md").read_text()
    variables = set(re.findall(r"\$\{(\w+)", _compose_text())) | set(compose["x-app-env"])
    variables |= set(re.findall(r'os\.environ\.get\("(\w+)"', (ROOT / "gunicorn.conf.py").read_text()))
    variables |= set(re.findall(r'_positive_int\("(\w+)"', (ROOT / "gunicorn.conf.py").read_text()))
    missing = sorted(v for v in variables if f"`{v}`" not in guide)
    assert not missing, f"docs/deploy.md does not explain {missing}"
    assert not [s for s in compose["services"] if f"`{s}`" not in guide]
    for section in (
        "## Topology",
        "## What scales how",
        "## Backups and restore",
        "## Upgrading with tasks in flight",
        "## PgBouncer in transaction mode",
        "## Environment",
    ):
        assert section in guide, section


def _compose_cli() -> list[str] | None:
    """Docker Compose v2 (`docker compose`) or v1 (`docker-compose`, Debian's package; .ci/run
    installs it): both validate a file against the Compose specification without a daemon."""
    import shutil

    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=30)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_itself_accepts_the_file():
    cli = _compose_cli()
    if cli is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed (apt-get install docker-compose)")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), **REQUIRED_ENV}
    result = subprocess.run(
        [*cli, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # And refuses to start without a secret, with its message.
    env.pop("POSTGRES_PASSWORD")
    result = subprocess.run(
        [*cli, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "POSTGRES_PASSWORD" in result.stdout + result.stderr


FAKE_MC = """#!/bin/sh
echo "$*" >> "$MC_LOG"
case "$*" in
  "admin policy create "*) cp "$6" "$MC_LOG.policy.json" ;;
  "ilm rule import "*) cat > "$MC_LOG.lifecycle.json" ;;
esac
"""


def test_the_bucket_one_off_script_runs_and_writes_valid_policies(compose, tmp_path):
    """minio-bucket's script under /bin/sh -e with a stand-in `mc` that records its calls: every
    step runs, and the lifecycle rule and the app's policy it hands to mc are valid JSON that say
    what docs/deploy.md says (old versions expire; the app's key reaches that bucket only)."""
    service = compose["services"]["minio-bucket"]
    assert service["entrypoint"] == ["/bin/sh", "-ec"]
    (tmp_path / "mc").write_text(FAKE_MC)
    (tmp_path / "mc").chmod(0o755)
    log = tmp_path / "mc.log"
    env = {**service["environment"], "PATH": f"{tmp_path}:/usr/bin:/bin", "MC_LOG": str(log)}
    script = service["command"][0].replace("/tmp/", f"{tmp_path}/")
    result = subprocess.run(["/bin/sh", "-ec", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    bucket = service["environment"]["BUCKET"]
    assert calls[0].startswith("alias set store http://minio:9000 ")
    assert f"mb --ignore-existing store/{bucket}" in calls
    assert f"version enable store/{bucket}" in calls
    assert f"anonymous set none store/{bucket}" in calls
    assert calls[-1] == f"admin policy attach store unisocial-app --user {service['environment']['APP_KEY']}"
    lifecycle = json.loads((tmp_path / "mc.log.lifecycle.json").read_text())
    (rule,) = lifecycle["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == int(service["environment"]["VERSION_DAYS"])
    policy = json.loads((tmp_path / "mc.log.policy.json").read_text())
    (statement,) = policy["Statement"]
    assert statement["Resource"] == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    assert not any(
        action.startswith("s3:*") or "Bucket" in action and "Delete" in action for action in statement["Action"]
    )
