"""Container health check: GET a path of this container's own web process; exit 0 on 200.

    python deploy/healthcheck.py /healthz     (the Dockerfile's HEALTHCHECK, compose's web)

Standard library only (the slim image has no curl). The request is the one the proxy would
send, so that the site's own checks pass it as they pass real traffic: a Host from ALLOWED_HOSTS
(Django answers 400 to any other) and X-Forwarded-Proto: https (with DEBUG=False any plain-http
request is redirected to https). A redirect, an error or no answer within the timeout is
unhealthy (exit 1).
"""

import http.client
import os
import sys

TIMEOUT_SECONDS = 4


def host_header(allowed_hosts: str) -> str:
    """The first ALLOWED_HOSTS entry as a concrete host name ("*" and ".example.org" patterns
    included: Django's ".example.org" matches example.org itself)."""
    for entry in allowed_hosts.split(","):
        entry = entry.strip()
        if not entry or entry == "*":
            continue
        return entry.lstrip(".")
    return "localhost"


def check(path: str, port: int, allowed_hosts: str, timeout: float = TIMEOUT_SECONDS) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(
            "GET",
            path,
            headers={"Host": host_header(allowed_hosts), "X-Forwarded-Proto": "https", "User-Agent": "healthcheck"},
        )
        status = connection.getresponse().status
    except OSError as error:
        print(f"unhealthy: {path}: {error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"unhealthy: {path} answered {status}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/healthz"
    port = int(os.environ.get("PORT", "8000"))
    return check(path, port, os.environ.get("ALLOWED_HOSTS", ""))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
