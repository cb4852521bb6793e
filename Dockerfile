# unisocial: one image for web (gunicorn), worker and beat (celery). See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=unisocial.settings.base

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Static files are built into the image (served by whitenoise). The key is a
# build-time placeholder: the real SECRET_KEY comes from the environment at run time.
# ALLOW_EMBEDDED: no database or broker exists at build time (production settings refuse that).
RUN DEBUG=False ALLOW_EMBEDDED=True SECRET_KEY=collectstatic-build-only-placeholder ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

# web re-runs collectstatic at start (a mounted volume may hide the built files);
# /data/private is the attachments and archive-packages volume.
RUN useradd --system --create-home --home-dir /home/unisocial unisocial \
    && mkdir -p /app/var /data/private \
    && chown -R unisocial /app/var /app/staticfiles /data/private
USER unisocial

EXPOSE 8000
CMD ["gunicorn", "unisocial.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
