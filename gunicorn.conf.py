"""gunicorn's configuration for unisocial's web processes (docs/deploy.md, "Environment").

Read by ``gunicorn -c gunicorn.conf.py unisocial.wsgi:application`` (the Dockerfile's CMD and
docker-compose.yml's ``web``). Every value comes from the environment, with the defaults an
organisation runs behind its TLS-terminating proxy; tests/core/test_deploy.py loads this file
through gunicorn's own configuration loader and checks them.

The web processes are stateless (sessions, caches and queues live in PostgreSQL and Redis,
files in the object store): scale by running more containers, each with these workers.
"""

import os


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return value


def _cpus() -> int:
    # The CPUs this container may run on (a cpuset or an affinity mask), not the host's count.
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# Each worker holds one database connection (CONN_MAX_AGE) and ~150 MB: past a dozen per
# container, run another container instead. WEB_CONCURRENCY, when set, is taken as it is.
MAX_DEFAULT_WORKERS = 12

bind = [os.environ.get("GUNICORN_BIND", "").strip() or f"0.0.0.0:{_positive_int('PORT', 8000)}"]
workers = _positive_int("WEB_CONCURRENCY", min(2 * _cpus() + 1, MAX_DEFAULT_WORKERS))
# More than one thread turns the sync workers into gthread workers (gunicorn does this itself).
threads = _positive_int("GUNICORN_THREADS", 1)

# A request still running after `timeout` seconds has its worker killed and restarted; SIGTERM
# (a deploy, `docker stop`) lets requests in flight finish for `graceful_timeout` seconds. Keep
# compose's stop_grace_period for web above graceful_timeout.
timeout = _positive_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _positive_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Behind a proxy that keeps connections open: a little longer than nothing, well under its own.
keepalive = _positive_int("GUNICORN_KEEPALIVE", 5)

# Recycle each worker after about this many requests (bounded memory growth); the jitter keeps
# the workers of a container from restarting all at once.
max_requests = _positive_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _positive_int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# Logs to standard output and error, for the container runtime to collect.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The proxy's address is the client's for gunicorn: log the address the proxy forwarded.
# The request id the site echoes (X-Request-ID, unisocial/log.py) ends the line: the site's own JSON
# lines for the same request carry it, so the two can be joined.
access_log_format = (
    '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s'
)

# Addresses whose X-Forwarded-Proto gunicorn believes (wsgi.url_scheme). Only the proxy's: a
# comma-separated list of addresses or networks; "*" only where nothing but the proxy can reach
# the port (docker-compose.yml publishes web's port on the host's loopback interface alone).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# gunicorn 25.1 and later open a control socket (gunicornc: worker counts, reloads) in $HOME;
# nothing in the deployment uses it, so it is off unless GUNICORN_CONTROL_SOCKET names a path.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"].strip()

# Each worker imports the application itself (no preload): nothing opened while Django starts (a
# database or Redis connection) is ever shared by forked workers. GUNICORN_PRELOAD=true saves
# memory where the start-up is known to open nothing.
preload_app = os.environ.get("GUNICORN_PRELOAD", "").strip().lower() in ("1", "true", "yes", "on")
# Heartbeat files in memory, not on the container's overlay filesystem (a slow disk stalls them).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
