FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
# Every package pyproject.toml installs (tests/test_repository.py checks the two agree).
COPY portal portal
COPY engine engine
COPY assistance assistance
COPY storage storage
COPY studio studio
COPY audit audit
COPY public public
COPY payments payments
COPY onewindow onewindow
COPY exchanges exchanges
COPY outbound outbound
COPY api api
RUN pip install --no-cache-dir '.[prod]'
COPY manage.py ./
COPY workflows workflows
RUN DOUDI_STATIC_ROOT=/app/static python manage.py collectstatic --noinput
ENV DOUDI_STATIC_ROOT=/app/static
RUN useradd --system --uid 1000 doudi && mkdir -p /app/var && chown doudi /app/var
USER doudi
EXPOSE 8000
# With PROMETHEUS_MULTIPROC_DIR set (docker-compose.yml's web), the metrics of all workers
# add up in one scrape (portal/metrics.py).
CMD ["gunicorn", "-c", "python:portal.gunicorn_conf", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
