# The API server image: `docker compose up` runs it next to PostgreSQL (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=posthog_api.settings \
    PORT=8000 \
    WEB_CONCURRENCY=2

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so that code changes reuse this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; project = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(project['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info \
    && chmod 0755 posthog_api/docker-entrypoint.sh \
    && groupadd --system --gid 10001 posthog \
    && useradd --system --uid 10001 --gid posthog --home-dir /home/posthog --create-home \
        --shell /usr/sbin/nologin posthog

USER posthog
EXPOSE 8000

# Host "localhost": keep it in ALLOWED_HOSTS, or Django answers this check with 400.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request as r; url = 'http://127.0.0.1:%s/_ready' % os.environ['PORT']; \
r.urlopen(r.Request(url, headers={'Host': 'localhost'}), timeout=4)"

ENTRYPOINT ["/app/posthog_api/docker-entrypoint.sh"]
