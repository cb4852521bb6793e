"""Two nodes for real (SPEC §8: many web and worker processes share nothing but PostgreSQL, Redis
and the object store, and it works behind PgBouncer in transaction mode).

Session-scoped fixtures start, all on 127.0.0.1 on free ports: a database of its own
(``unisocial_twonode_test``, created, migrated and seeded by separate processes, dropped at the
end), PgBouncer in transaction pooling mode in front of it, two gunicorn nodes A and B
(``unisocial.wsgi``, production settings but for plain HTTP: tests/services/twonode_settings.py),
haproxy round-robin in front of both, and two Celery workers on one Redis broker. Every process
reaches the database only through PgBouncer. The test process speaks HTTP (requests) to the
proxy or to one node directly, and reads the database directly to check what was committed.

Each test proves one thing a single node would hide:

(a) a session signed in on node A is signed in on node B;
(b) a member removed through node A sees none of the community's content on node B at the very
    next request — pages, API and the unread-notification count cached in Redis;
(c) an attachment uploaded through A downloads, byte for byte, through B (the private storage:
    a local directory both nodes share today; ``STORAGE_BACKEND=s3`` and ``AWS_*`` in the
    environment are passed to every process, so the same test runs against an object store);
(d) one approved disposition batch, run by both workers at once, disposes of every item exactly
    once;
(e) node A killed (SIGKILL) in the middle of a burst of writes through the proxy loses no
    acknowledged write.

The figures (requests, errors, items, seconds) are printed (``pytest -s`` shows them). Skipped,
with the reason, when PostgreSQL, Redis, pgbouncer or haproxy is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
DB_NAME = "unisocial_twonode_test"
BATCH_ITEMS = 40
BURST_WRITES = 150
# The nodes' probe, for haproxy's health checks and the fixture's readiness wait: readiness (SPEC §6:
# 200 while the node reaches the database and the broker, 503 otherwise; no sign-in, no host check).
PROBE = "/readyz"
START_TIMEOUT = 90  # seconds for every process to answer; a loaded CI machine is slow, never this slow
PGBOUNCER = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
HAPROXY = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)

pytestmark = pytest.mark.services


# --- what is there ------------------------------------------------------------------------------


def _postgres() -> dict | None:
    """Where the test PostgreSQL server is (DATABASE_URL), or None when the suite runs on SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password or "",
    }


def _redis_url() -> str | None:
    """A Redis database of the nodes' own: TWONODE_REDIS_URL, else the test Redis's next database
    (the suite's autouse fixture empties the test one before every test: it would take the broker's
    queues and the sessions with it)."""
    if os.environ.get("TWONODE_REDIS_URL"):
        return os.environ["TWONODE_REDIS_URL"]
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return None
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return parts._replace(path=f"/{(db + 1) % 16}").geturl()


def _missing() -> str:
    if _postgres() is None:
        return "DATABASE_URL pointing at PostgreSQL"
    if _redis_url() is None:
        return "REDIS_URL (the broker, the cache and the sessions' cache of both nodes)"
    if not PGBOUNCER:
        return "pgbouncer (apt-get install pgbouncer)"
    if not HAPROXY:
        return "haproxy (apt-get install haproxy)"
    return ""


# --- processes ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(condition, timeout, what, cluster=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception:  # not up yet
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}" + (cluster.logs() if cluster else ""))


class Cluster:
    """The processes of the proof, their ports and their logs."""

    def __init__(self, root: Path, pg: dict, redis_url: str, storage_env: dict):
        self.root, self.pg, self.redis_url, self.storage_env = root, pg, redis_url, storage_env
        self.procs: dict[str, subprocess.Popen] = {}
        self.log_paths: dict[str, Path] = {}
        self.ports = {name: _free_port() for name in ("pgbouncer", "a", "b", "proxy")}
        self.media = root / "private"
        self.media.mkdir()
        auth = pg["user"] + (f":{pg['password']}" if pg["password"] else "")
        self.direct_url = f"postgres://{auth}@{pg['host']}:{pg['port']}/{DB_NAME}"
        self.pooled_url = f"postgres://{pg['user']}@127.0.0.1:{self.ports['pgbouncer']}/{DB_NAME}"
        self.seed: dict = {}

    # Every process of the platform gets this environment: production settings read from it.
    def env(self, **extra) -> dict:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "PYTEST_", "DATABASE_", "REDIS_", "CELERY_"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "tests.services.twonode_settings",
                "DEBUG": "False",
                "SECRET_KEY": "two-nodes-test-only-" + "k" * 50,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "DATABASE_URL": self.pooled_url,
                "DATABASE_POOLER": "transaction",
                "CONN_MAX_AGE": "60",
                "REDIS_URL": self.redis_url,
                "PRIVATE_MEDIA_ROOT": str(self.media),
                "LOG_LEVEL": "WARNING",
                "POST_RATE_PER_HOUR": "100000",
                "API_THROTTLE_USER": "100000/min",
                "API_THROTTLE_ANON": "100000/min",
                # Disposition batches in short slices, each a task of its own, so both workers share one.
                "RECORDS_BATCH_SLICE_SECONDS": "1",
                "RECORDS_ITEM_DELAY": "0.03",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.storage_env)
        env.update(extra)
        return env

    def start(self, name, argv, *, env=None, user=None):
        log_path = self.root / f"{name}.log"
        self.log_paths[name] = log_path
        log = open(log_path, "ab")  # noqa: SIM115 (kept open for the process's life)
        self.procs[name] = subprocess.Popen(
            argv,
            cwd=BASE_DIR,
            env=env or self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            user=user,
        )
        log.close()
        return self.procs[name]

    def run(self, argv, *, env=None, timeout=180) -> str:
        done = subprocess.run(
            argv, cwd=BASE_DIR, env=env or self.env(), capture_output=True, text=True, timeout=timeout
        )
        if done.returncode:
            raise AssertionError(
                f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done.stdout

    def kill(self, name, sig=signal.SIGKILL):
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
        if proc is not None:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)

    def stop_all(self):
        for name in reversed(list(self.procs)):
            self.kill(name, signal.SIGTERM)

    def logs(self, tail=3000) -> str:
        out = []
        for name, path in self.log_paths.items():
            text = path.read_text(errors="replace") if path.exists() else ""
            out.append(f"\n----- {name} ({path}) -----\n{text[-tail:]}")
        return "\n" + "".join(out)

    @contextmanager
    def on_failure(self):
        """A failure's message carries the tail of every process's log."""
        try:
            yield
        except Exception as error:
            raise AssertionError(f"{type(error).__name__}: {error}{self.logs()}") from error

    def url(self, where: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[where]}{path}"

    # The database, read directly (not through the pooler) by the test.
    def query(self, sql, params=()):
        import psycopg2

        conn = psycopg2.connect(
            host=self.pg["host"],
            port=self.pg["port"],
            user=self.pg["user"],
            password=self.pg["password"] or None,
            dbname=DB_NAME,
            connect_timeout=10,
        )
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            conn.close()


def _admin(pg, sql):
    import psycopg2

    conn = psycopg2.connect(
        host=pg["host"],
        port=pg["port"],
        user=pg["user"],
        password=pg["password"] or None,
        dbname="postgres",
        connect_timeout=10,
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def _start_pgbouncer(cluster: Cluster):
    # pgbouncer refuses to run as root: then it runs as the postgres user, from a directory it can read.
    as_root = os.geteuid() == 0
    conf_dir = Path(tempfile.mkdtemp(prefix="twonode-pgbouncer-"))
    os.chmod(conf_dir, 0o755)
    pg = cluster.pg
    password = f" password={pg['password']}" if pg["password"] else ""
    (conf_dir / "users.txt").write_text(f'"{pg["user"]}" ""\n')
    (conf_dir / "pgbouncer.ini").write_text(f"""\
[databases]
{DB_NAME} = host={pg["host"]} port={pg["port"]} dbname={DB_NAME} user={pg["user"]}{password}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {cluster.ports["pgbouncer"]}
unix_socket_dir =
auth_type = trust
auth_file = {conf_dir / "users.txt"}
pool_mode = transaction
max_client_conn = 200
default_pool_size = 10
server_connect_timeout = 5
query_wait_timeout = 30
ignore_startup_parameters = extra_float_digits
admin_users = {pg["user"]}
""")
    for path in conf_dir.iterdir():
        os.chmod(path, 0o644)
    cluster.start("pgbouncer", [PGBOUNCER, str(conf_dir / "pgbouncer.ini")], user="postgres" if as_root else None)
    cluster.pgbouncer_dir = conf_dir

    def answers():
        with socket.create_connection(("127.0.0.1", cluster.ports["pgbouncer"]), timeout=1):
            return True

    _wait(answers, START_TIMEOUT, "pgbouncer", cluster)


def _start_haproxy(cluster: Cluster):
    cfg = cluster.root / "haproxy.cfg"
    check = f"http-check send meth GET uri {PROBE} ver HTTP/1.1 hdr Host 127.0.0.1"
    cfg.write_text(f"""\
global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout check 5s
    # A request is retried on the other node only when it never reached the first (the connection
    # failed). Never on an empty or lost response: the dead node may have committed the write before
    # it died, and the replay on the other node would write it twice (seen here with "empty-response").
    retries 3
    option redispatch
    retry-on conn-failure
frontend front
    bind 127.0.0.1:{cluster.ports["proxy"]}
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk
    {check}
    http-check expect status 200
    server a 127.0.0.1:{cluster.ports["a"]} check inter 500 fall 3 rise 2
    server b 127.0.0.1:{cluster.ports["b"]} check inter 500 fall 3 rise 2
""")
    cluster.start("haproxy", [HAPROXY, "-db", "-f", str(cfg)])


def _start_node(cluster: Cluster, name: str):
    cluster.start(
        f"node-{name}",
        [
            sys.executable,
            "-m",
            "gunicorn",
            "unisocial.wsgi",
            "--bind",
            f"127.0.0.1:{cluster.ports[name]}",
            # One process per node, with threads: whatever a node keeps in its memory, it keeps once,
            # so a test reading through the other node sees for sure what one process would hide.
            "--workers",
            "1",
            "--threads",
            "4",
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
            "--access-logfile",
            "-",
            "--access-logformat",
            f"ACCESS {name} %(m)s %(U)s %(s)s",
        ],
    )


def _start_worker(cluster: Cluster, name: str):
    cluster.start(
        f"worker-{name}",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "unisocial",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"twonode-{name}-{uuid.uuid4().hex[:6]}@%h",
        ],
    )


@pytest.fixture(scope="session")
def two_node_storage():
    """Where every process keeps the private files: by default a real S3-compatible server on
    loopback (moto's, tests/services/s3.py) and a fresh bucket, given to every node and worker by
    ``STORAGE_BACKEND=s3`` and ``AWS_*`` — files that live on no node's disk, as in a deployment.
    ``TWONODE_STORAGE=local`` (or moto missing): the local directory ``PRIVATE_MEDIA_ROOT``, which
    both nodes share on this machine. ``STORAGE_BACKEND`` set in the environment: it and ``AWS_*``
    pass through to every process unchanged (a real store)."""
    from tests.services import s3

    local = os.environ.get("TWONODE_STORAGE", "") == "local" or s3.MOTO_MISSING
    if local or os.environ.get("STORAGE_BACKEND"):
        yield {"env": {}, "server": None, "bucket": None}
        return
    server = s3.S3Server.start()
    try:
        bucket = server.new_bucket("twonode")
        yield {"env": server.env(bucket), "server": server, "bucket": bucket}
    finally:
        server.stop()


@pytest.fixture(scope="session")
def cluster(two_node_storage):
    if missing := _missing():
        pytest.skip(f"the two-node proof needs {missing}")
    import redis

    pg, redis_url = _postgres(), _redis_url()
    root = Path(tempfile.mkdtemp(prefix="twonode-"))
    cluster = Cluster(root, pg, redis_url, storage_env=two_node_storage["env"])
    broker = redis.Redis.from_url(redis_url)
    started = time.monotonic()
    try:
        broker.flushdb()  # the nodes' own database: nothing left by an earlier run
        _admin(pg, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        _admin(pg, f'CREATE DATABASE "{DB_NAME}"')
        # Migrations straight to PostgreSQL, as a deploy step would; everything else through the pooler.
        direct = cluster.env(DATABASE_URL=cluster.direct_url, DATABASE_POOLER="")
        cluster.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], env=direct)
        _start_pgbouncer(cluster)
        out = cluster.run([sys.executable, "-m", "tests.services.twonode_seed", str(BATCH_ITEMS)])
        cluster.seed = json.loads(next(line for line in out.splitlines() if line.startswith("SEED "))[5:])
        for name in ("a", "b"):
            _start_node(cluster, name)
        for name in ("a", "b"):
            _start_worker(cluster, name)
        _start_haproxy(cluster)
        import requests

        for where in ("a", "b"):
            _wait(
                lambda w=where: requests.get(cluster.url(w, PROBE), timeout=2).status_code == 200,
                START_TIMEOUT,
                f"node {where} {PROBE}",
                cluster,
            )
        _wait(
            lambda: requests.get(cluster.url("proxy", PROBE), timeout=2).status_code == 200,
            START_TIMEOUT,
            "haproxy",
            cluster,
        )
        for name in ("a", "b"):
            _wait(
                lambda n=name: " ready." in cluster.log_paths[f"worker-{n}"].read_text(),
                START_TIMEOUT,
                f"worker {name}",
                cluster,
            )
        print(
            f"\n[two nodes] up in {time.monotonic() - started:.1f} s (migrate, seed, PgBouncer, 2 nodes, "
            f"2 workers, haproxy); ports {cluster.ports}; logs in {root}"
        )
        yield cluster
    finally:
        cluster.stop_all()
        broker.flushdb()
        broker.close()
        try:
            _admin(pg, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        finally:
            shutil.rmtree(getattr(cluster, "pgbouncer_dir", root / "none"), ignore_errors=True)
            if not os.environ.get("TWONODE_KEEP_LOGS"):  # set it to read every process's whole log after a run
                shutil.rmtree(root, ignore_errors=True)


# --- clients --------------------------------------------------------------------------------------


def _browser():
    import requests

    session = requests.Session()
    session.headers["Accept-Language"] = "en"
    return session


def _csrf(session) -> str:
    return session.cookies.get("csrftoken", domain="127.0.0.1") or session.cookies.get("csrftoken")


def _sign_in(cluster, where, username):
    """The login form, as a browser fills it in, on one node: a session cookie for 127.0.0.1."""
    from tests.factories import PASSWORD

    session = _browser()
    page = session.get(cluster.url(where, "/accounts/login/"), timeout=10)
    assert page.status_code == 200, page.status_code
    done = session.post(
        cluster.url(where, "/accounts/login/"),
        timeout=10,
        allow_redirects=False,
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": _csrf(session),
        },
    )
    assert done.status_code == 302, (done.status_code, done.text[:2000])
    assert session.cookies.get("sessionid"), "no session cookie after signing in"
    return session


def _token(cluster, username):
    return {"Authorization": f"Token {cluster.seed['tokens'][username]}", "Accept": "application/json"}


def _unread(page_html) -> int:
    found = re.search(r'<span class="count"><span aria-hidden="true">(\d+)</span>', page_html)
    return int(found.group(1)) if found else 0


# --- the proofs ------------------------------------------------------------------------------------


def _pgbouncer(cluster, command) -> list[dict]:
    """A SHOW command on PgBouncer's admin console."""
    import psycopg2
    import psycopg2.extras

    conn = psycopg2.connect(
        host="127.0.0.1",
        port=cluster.ports["pgbouncer"],
        user=cluster.pg["user"],
        dbname="pgbouncer",
        connect_timeout=10,
    )
    conn.autocommit = True
    try:
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
            cursor.execute(command)
            return [dict(row) for row in cursor.fetchall()]
    finally:
        conn.close()


def test_every_process_reaches_the_database_through_pgbouncer_in_transaction_mode(cluster):
    with cluster.on_failure():
        assert _browser().get(cluster.url("proxy", "/accounts/login/"), timeout=10).status_code == 200
        pools = [p for p in _pgbouncer(cluster, "SHOW POOLS") if p["database"] == DB_NAME]
        assert pools and all(p["pool_mode"] == "transaction" for p in pools), pools
        stats = {s["database"]: s for s in _pgbouncer(cluster, "SHOW STATS")}
        assert stats[DB_NAME]["total_xact_count"] > 0
        # Django's server-side cursors are off behind it (DATABASE_POOLER=transaction).
        out = cluster.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from django.db import connection; "
                "print('SSC', connection.settings_dict['DISABLE_SERVER_SIDE_CURSORS'])",
            ]
        )
        assert "SSC True" in out, out
        clients = sum(int(p["cl_active"]) + int(p["cl_waiting"]) + int(p.get("cl_idle", 0) or 0) for p in pools)
        servers = sum(int(p["sv_active"]) + int(p["sv_idle"]) + int(p["sv_used"]) for p in pools)
        print(
            f"\n[two nodes] PgBouncer transaction pooling: {stats[DB_NAME]['total_xact_count']} transactions, "
            f"{stats[DB_NAME]['total_query_count']} queries so far; {clients} client and {servers} server "
            "connections now"
        )


def test_a_session_signed_in_on_node_a_works_on_node_b(cluster):
    with cluster.on_failure():
        ben = _sign_in(cluster, "a", "ben")
        me = ben.get(cluster.url("b", "/api/v1/me/"), timeout=10)
        assert me.status_code == 200, (me.status_code, me.text[:500])
        assert me.json()["username"] == "ben"
        home = ben.get(cluster.url("b", "/"), timeout=10, allow_redirects=False)
        assert home.status_code == 200 and "ben" in home.text
        # Signing out on B ends the session on A too.
        out = ben.post(
            cluster.url("b", "/accounts/logout/"),
            data={"csrfmiddlewaretoken": _csrf(ben)},
            timeout=10,
            allow_redirects=False,
        )
        assert out.status_code == 302, out.status_code
        again = ben.get(cluster.url("a", "/api/v1/me/"), timeout=10)
        assert again.status_code in (401, 403), again.status_code
        print("\n[two nodes] (a) signed in on A, signed in on B; signed out on B, signed out on A")


def test_b_a_membership_removed_through_node_a_hides_the_community_on_node_b_at_once(cluster):
    post = cluster.seed["secret_post"]
    with cluster.on_failure():
        ben = _sign_in(cluster, "b", "ben")
        ada = _sign_in(cluster, "a", "ada")
        # Before: Ben reads the post on B (the unread count of his notification about it computed
        # and cached in Redis by B), on the page and in the API.
        before = ben.get(cluster.url("b", f"/posts/{post}/"), timeout=10)
        assert before.status_code == 200 and "Quarterly secret figures" in before.text
        assert ben.get(cluster.url("b", "/api/v1/posts/?community=shared"), timeout=10).json()["count"] == 1
        assert _unread(ben.get(cluster.url("b", "/"), timeout=10).text) == 2
        assert _unread(ben.get(cluster.url("b", "/"), timeout=10).text) == 2  # now from the cache

        # Ada removes him through node A (the members page's removal form).
        ada.get(cluster.url("a", "/communities/shared/members/ben/remove/"), timeout=10)
        removed = ada.post(
            cluster.url("a", "/communities/shared/members/ben/remove/"),
            timeout=10,
            data={"csrfmiddlewaretoken": _csrf(ada)},
            allow_redirects=False,
        )
        assert removed.status_code == 302, (removed.status_code, removed.text[:1000])
        assert not cluster.query(
            "SELECT 1 FROM communities_membership m JOIN unisocial_user u ON u.id = m.user_id "
            "WHERE u.username = 'ben' AND m.content_object_id = (SELECT id FROM communities_community "
            "WHERE slug = 'shared')"
        ), "the membership is still there"

        # The very next requests on node B: nothing of the community's content is left.
        home = ben.get(cluster.url("b", "/"), timeout=10)
        # One unread left: "your membership ended" (the two about the post he lost are not counted).
        assert _unread(home.text) == 1, "the unread count still counts notifications about an item he lost"
        assert "Quarterly secret figures" not in home.text
        assert ben.get(cluster.url("b", f"/posts/{post}/"), timeout=10).status_code == 404
        assert ben.get(cluster.url("b", f"/api/v1/posts/{post}/"), timeout=10).status_code == 404
        listed = ben.get(cluster.url("b", "/api/v1/posts/?community=shared"), timeout=10)
        assert listed.status_code == 404 or listed.json()["count"] == 0, (listed.status_code, listed.text[:500])
        notes = ben.get(cluster.url("b", "/notifications/"), timeout=10)
        assert notes.status_code == 200 and "Quarterly secret figures" not in notes.text
        search = ben.get(cluster.url("b", "/api/v1/search/?q=Quarterly"), timeout=10)
        assert search.status_code == 200 and not search.json()["results"], search.text[:500]
        print(
            "\n[two nodes] (b) removed on A; on B at the next request: post 404, API 404, "
            "unread 2 -> 1 (the removal's own), search empty"
        )


def test_c_an_attachment_uploaded_through_node_a_downloads_through_node_b(cluster, two_node_storage):
    content = b"minutes of the two-node meeting\n" + uuid.uuid4().hex.encode() * 64
    with cluster.on_failure():
        ada = _sign_in(cluster, "a", "ada")
        form = ada.get(cluster.url("a", "/posts/new/?community=lobby"), timeout=10)
        assert form.status_code == 200, form.status_code
        created = ada.post(
            cluster.url("a", "/posts/new/?community=lobby"),
            timeout=20,
            allow_redirects=False,
            data={
                "csrfmiddlewaretoken": _csrf(ada),
                "title": "Minutes",
                "body": "See the attachment.",
                "body_format": "markdown",
                "language": "en",
                "classification": "unclassified",
            },
            files={"attachment": ("minutes.txt", content, "text/plain")},
        )
        assert created.status_code == 302, (created.status_code, created.text[:2000])
        post_path = urlsplit(created.headers["Location"]).path
        assert re.fullmatch(r"/posts/\d+/", post_path), post_path
        page = ada.get(cluster.url("b", post_path), timeout=10)
        assert page.status_code == 200
        links = re.findall(rf'href="({post_path}attachments/\d+/)"', page.text)
        assert links, "no attachment link on the post page"
        download = ada.get(cluster.url("b", links[0]), timeout=20)
        assert download.status_code == 200, download.status_code
        assert download.content == content
        # Through B also for someone else allowed to read it, and never for the signed-out.
        ben = _sign_in(cluster, "b", "ben")
        assert ben.get(cluster.url("b", links[0]), timeout=20).content == content
        assert _browser().get(cluster.url("b", links[0]), timeout=10, allow_redirects=False).status_code in (302, 404)
        backend = (two_node_storage["env"] or os.environ).get("STORAGE_BACKEND", "local")
        if two_node_storage["server"] is not None:  # the bytes are in the bucket, not on a disk
            server, bucket = two_node_storage["server"], two_node_storage["bucket"]
            assert any(server.read(bucket, key) == content for key in server.keys(bucket))
            assert not any(p.is_file() for p in cluster.media.rglob("*"))
        print(
            f"\n[two nodes] (c) {len(content)} bytes uploaded through A, the same bytes downloaded through B "
            f"(storage: {backend})"
        )


def _worker_ran_batch(cluster, name) -> int:
    return cluster.log_paths[f"worker-{name}"].read_text().count("records.tasks.run_batch_task")


def test_d_one_disposition_batch_on_two_workers_disposes_of_each_item_exactly_once(cluster):
    import celery

    batch, total = cluster.seed["batch"], cluster.seed["batch_total"]
    assert total == BATCH_ITEMS
    with cluster.on_failure():
        confirm = _browser().post(
            cluster.url("a", f"/api/v1/records/batches/{batch}/confirm/"),
            headers=_token(cluster, "ada"),
            json={"community": "archive"},
            timeout=10,
        )
        assert confirm.status_code == 200, (confirm.status_code, confirm.text[:500])
        started = time.monotonic()
        approve = _browser().post(
            cluster.url("b", f"/api/v1/records/batches/{batch}/approve/"),
            headers=_token(cluster, "cleo"),
            json={"confirm": str(batch)},
            timeout=10,
        )
        assert approve.status_code == 200, (approve.status_code, approve.text[:500])
        # The approval queued the batch's task (on commit); a second delivery of it — as a beat
        # taking a batch over, or the broker redelivering, would send — runs on the other worker at once.
        client = celery.Celery(broker=cluster.redis_url)
        client.send_task("records.tasks.run_batch_task", args=[batch])
        _wait(
            lambda: (
                cluster.query("SELECT state FROM records_dispositionbatch WHERE id = %s", [batch])[0][0] == "completed"
            ),
            90,
            "the batch to complete",
            cluster,
        )
        seconds = time.monotonic() - started
        time.sleep(1)  # a slice still queued must find nothing left to do
        client.close()

        states = dict(
            cluster.query("SELECT state, count(*) FROM records_batchitem WHERE batch_id = %s GROUP BY state", [batch])
        )
        quarantined = cluster.query(
            "SELECT target_id, count(*) FROM records_recordsauditlog WHERE action = 'quarantined' GROUP BY target_id"
        )
        done, disposed, skipped = cluster.query(
            "SELECT done, disposed, skipped FROM records_dispositionbatch WHERE id = %s", [batch]
        )[0]
        in_quarantine = cluster.query(
            "SELECT count(*) FROM posts_post p JOIN communities_community c ON c.id = p.community_id "
            "WHERE c.slug = 'archive' AND p.status = 'quarantined'"
        )[0][0]
        runs = {name: _worker_ran_batch(cluster, name) for name in ("a", "b")}
        print(
            f"\n[two nodes] (d) batch of {total} items done in {seconds:.1f} s; items {states}; "
            f"slices received per worker {runs}; quarantine events {len(quarantined)}"
        )
        assert states == {"quarantined": BATCH_ITEMS}, states
        assert len(quarantined) == BATCH_ITEMS and all(n == 1 for _t, n in quarantined), quarantined
        assert (done, disposed, skipped) == (BATCH_ITEMS, BATCH_ITEMS, 0)
        assert in_quarantine == BATCH_ITEMS
        assert all(runs.values()), f"the batch did not run on both workers: {runs}"


def test_e_node_a_killed_mid_burst_loses_no_acknowledged_write(cluster):
    import requests

    headers = _token(cluster, "ada")
    tag = uuid.uuid4().hex[:8]
    acked: dict[int, str] = {}
    errors: list[str] = []
    sent = 0
    lock = threading.Lock()
    kill_at = BURST_WRITES // 3
    killed = threading.Event()
    acked_at_kill = 0

    def write(n):
        nonlocal sent, acked_at_kill
        title = f"burst {tag} {n}"
        try:
            with lock:
                sent += 1
            answer = requests.post(
                cluster.url("proxy", "/api/v1/posts/"),
                headers=headers,
                timeout=15,
                json={
                    "community": "lobby",
                    "title": title,
                    "body": "<p>burst</p>",
                    "classification": "unclassified",
                },
            )
        except requests.RequestException as error:
            with lock:
                errors.append(f"{n}: {type(error).__name__}")
            return
        with lock:
            if answer.status_code == 201:
                acked[answer.json()["id"]] = title
            else:
                errors.append(f"{n}: HTTP {answer.status_code}")
            if len(acked) >= kill_at and not killed.is_set():
                killed.set()
                acked_at_kill = len(acked)
                threading.Thread(target=cluster.kill, args=("node-a", signal.SIGKILL)).start()

    with cluster.on_failure():
        started = time.monotonic()
        numbers = iter(range(BURST_WRITES))
        numbers_lock = threading.Lock()

        def client():
            while True:
                with numbers_lock:
                    n = next(numbers, None)
                if n is None:
                    return
                write(n)

        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        seconds = time.monotonic() - started
        assert killed.is_set(), "node A was never killed"
        assert cluster.procs["node-a"].poll() is not None, "node A is still running"

        rows = dict(cluster.query("SELECT id, title FROM posts_post WHERE title LIKE %s", [f"burst {tag} %"]))
        lost = {pk: title for pk, title in acked.items() if rows.get(pk) != title}
        access = {n: cluster.log_paths[f"node-{n}"].read_text().count(f"ACCESS {n} POST /api/v1/posts/ ") for n in "ab"}
        print(
            f"\n[two nodes] (e) {sent} writes in {seconds:.1f} s through haproxy, node A SIGKILLed after "
            f"{acked_at_kill} acknowledged; acknowledged {len(acked)}, errors {len(errors)} {errors[:10]}, "
            f"in the database {len(rows)} ({len(set(rows) - set(acked))} of them unacknowledged), acknowledged but "
            f"lost {len(lost)}; served per node {access}"
        )
        assert not lost, f"acknowledged writes missing from the database: {lost}"
        assert len(acked) > acked_at_kill, "no write was acknowledged after node A died"
        assert access["a"] and access["b"], f"the proxy did not spread the writes over both nodes: {access}"
        # An answer that never came may or may not have been committed (the node died between the
        # commit and the answer): at most one such row per error, and no write is in the database twice.
        unknown = set(rows) - set(acked)
        assert len(unknown) <= len(errors), f"rows nobody was told about beyond the errors: {unknown}"
        titles = list(rows.values())
        assert len(titles) == len(set(titles)), "a write is in the database twice (a replayed request)"
