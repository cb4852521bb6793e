# unisocial: one image for web (gunicorn), worker and beat (celery) and the migrate one-off.
# See docker-compose.yml and docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=unisocial.settings.base

WORKDIR /app

# Dependencies first, so code changes do not reinstall them. Every file pip fetches is checked
# against the hashes in requirements.lock (`make lock`: pyproject.toml's runtime dependencies and
# its build requirement, setuptools); --no-deps, so nothing outside the lock comes in. The project
# itself (metadata only: it is run from /app) is then built with that locked setuptools, no
# build isolation, so no unhashed download either.
COPY requirements.lock pyproject.toml ./
RUN pip install --require-hashes --no-deps -r requirements.lock \
    && pip install --no-deps --no-build-isolation . \
    && pip check

COPY . .

# Static files are built into the image (served by whitenoise). The key is a
# build-time placeholder: the real SECRET_KEY comes from the environment at run time.
# ALLOW_EMBEDDED: no database or broker exists at build time (production settings refuse that).
RUN DEBUG=False ALLOW_EMBEDDED=True SECRET_KEY=collectstatic-build-only-placeholder ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

# The processes run as an unprivileged user; /data/private is the attachments and
# archive-packages volume (STORAGE_BACKEND=local).
RUN useradd --system --create-home --home-dir /home/unisocial unisocial \
    && mkdir -p /app/var /data/private \
    && chown -R unisocial /app/var /app/staticfiles /data/private
USER unisocial

EXPOSE 8000
# Liveness of web (SPEC §6 /healthz: the process answers). The worker and beat containers
# override it in docker-compose.yml. deploy/healthcheck.py sends the Host and X-Forwarded-Proto
# the proxy would (ALLOWED_HOSTS, HTTPS redirect); python, since the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "deploy/healthcheck.py", "/healthz"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "unisocial.wsgi:application"]
