# ragchat container image.
#   docker build -t ragchat .
#   docker run -p 8000:8000 -e API_KEY=... -e SECRET_KEY=... -e DATABASE_URL=... ragchat
# or `docker compose up` with docker-compose.yml (PostgreSQL and Redis included).

# --- builder: the dependencies, in a virtualenv of their own ---------------------------------
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

# Only the requirements file: a change to the code reuses this layer and installs nothing.
# Every dependency ships a binary wheel (psycopg included), so no compiler or apt is needed.
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt

# --- runtime: the virtualenv plus the app, run by an unprivileged user -----------------------
FROM python:3.11-slim AS runtime

ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLASK_APP=wsgi \
    HOST=0.0.0.0 \
    PORT=8000

WORKDIR /app

# A fixed uid/gid, so volume permissions and `runAsNonRoot` checks are predictable.
# The code stays owned by root (read-only to the app); only instance/ is writable.
RUN groupadd --system --gid 10001 ragchat \
    && useradd --system --uid 10001 --gid ragchat --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin ragchat \
    && mkdir -p /app/instance \
    && chown ragchat:ragchat /app/instance

COPY --from=builder /opt/venv /opt/venv
COPY migrations/ ./migrations/
COPY static/ ./static/
COPY templates/ ./templates/
COPY wsgi.py gunicorn.conf.py ./
COPY ragchat/ ./ragchat/

USER 10001:10001

EXPOSE 8000

# Standard library only: slim images have no curl. A 503 (database down) fails the check too.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api/health-check' % os.environ.get('PORT', '8000'), timeout=4)"]

# Migrate, then hand PID 1 to gunicorn so it receives SIGTERM and shuts down gracefully.
CMD ["sh", "-c", "flask db upgrade && exec gunicorn --config gunicorn.conf.py"]
