# One image for every process of compose.yaml (the web, each quantum's worker, the scheduler and the
# migration): which one a container is, is its service's command (operations/processes.py).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings \
    SYSOPS_VAR_DIR=/var/lib/sysops

# The dependencies first, in a layer of their own: a change of code alone does not reinstall them.
COPY pyproject.toml README.md /app/
WORKDIR /app
RUN python -m venv /opt/venv \
    && pip install --no-cache-dir --upgrade pip \
    && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt

COPY . /app
RUN pip install --no-cache-dir --no-deps /app \
    && useradd --system --uid 10001 --home-dir /var/lib/sysops --create-home sysops

# Not root: a message that made a worker run code would run it with this account's rights only.
USER sysops
EXPOSE 8000
