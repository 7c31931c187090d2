# One image recipe for all five services. Build one image per service:
#
#   docker build --build-arg SERVICE=sla-monitor --build-arg MODULE=pm_sla_monitor \
#                -t pm-platform/sla-monitor:latest .
#
# SERVICE is the directory under services/, MODULE the python package run with `python -m`.
# At run time set <PREFIX>_HOST=0.0.0.0 (the services default to 127.0.0.1), PM_ENV, MONGO_URL,
# KAFKA_BOOTSTRAP and PM_AUTH_SECRET; see docker-compose.yml and deploy/k8s/.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------
# build: install pm-common + the service (non-editable) into a virtualenv with pinned versions
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ARG SERVICE
ARG MODULE
RUN test -n "${SERVICE}" && test -n "${MODULE}" \
    || { echo "build args SERVICE (e.g. sla-monitor) and MODULE (e.g. pm_sla_monitor) are required" >&2; exit 1; }

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:${PATH}

RUN python -m venv /opt/venv

WORKDIR /src
COPY constraints.txt ./
COPY libs/common ./libs/common
COPY services/${SERVICE} ./services/${SERVICE}

RUN pip install -c constraints.txt ./libs/common "./services/${SERVICE}" \
 && python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('${MODULE}') is None and 'module ${MODULE} is not installed by services/${SERVICE}')"

# ---------------------------------------------------------------------------------------------
# runtime: the virtualenv only, run as an unprivileged user
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG SERVICE
ARG MODULE

LABEL org.opencontainers.image.title="pm-platform/${SERVICE}" \
      org.opencontainers.image.description="Complaint/feedback platform service ${SERVICE} (python -m ${MODULE})"

ENV SERVICE=${SERVICE} \
    MODULE=${MODULE} \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:${PATH} \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
 && mkdir -p /app \
 && chown app:app /app

COPY --from=build /opt/venv /opt/venv

# Working directory writable by the service (stream-processing state, if any, lives here).
WORKDIR /app
USER 10001:10001

# GET /livez answers 200 while the process runs (no dependency checked, so an engine outage does not
# mark the container unhealthy; 503, which urlopen raises, only if a background task died).
# docker-compose.yml overrides this with /readyz to gate start-up. Port: HEALTHCHECK_PORT if set,
# else the service's default port.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; port = os.environ.get('HEALTHCHECK_PORT') or {'pm_intake': '8001', 'pm_triage': '8002', 'pm_dispatch': '8003', 'pm_sla_monitor': '8004', 'pm_notifier': '8005', 'pm_insights': '8007'}[os.environ['MODULE']]; urllib.request.urlopen(f'http://127.0.0.1:{port}/livez', timeout=4)"

# Shell form so ${MODULE} is expanded at run time; exec makes python PID 1 and the receiver of SIGTERM.
CMD exec python -m "${MODULE}"
