# syntax=docker/dockerfile:1
#
# HyperToken images, two targets:
#
#   relay  (the default: last stage)  the relay server alone. Only aiohttp, msgpack,
#          cryptography and prometheus-client, plus the relay and hypertoken.protocol sources.
#            docker build -t hypertoken-relay .
#   full   HyperToken installed with all its dependencies: the `hypertoken` CLI and examples;
#          it runs `hypertoken peer` by default (entry point `hypertoken`).
#            docker build --target full -t hypertoken .
#
# Both run as an unprivileged user.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN groupadd --system --gid 10001 hypertoken \
    && useradd --system --uid 10001 --gid hypertoken --home-dir /app --shell /usr/sbin/nologin hypertoken
WORKDIR /app

# --- build stages: virtualenvs that the runtime stages copy whole -----------------------------

FROM base AS relay-build
COPY relay/requirements.txt /tmp/relay-requirements.txt
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --requirement /tmp/relay-requirements.txt

FROM base AS full-build
COPY . /src
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install /src

# --- full: the whole package -------------------------------------------------------------------
# Runs a peer daemon by default (its identity, room files and control socket in /data):
#   docker run --rm -v ht-data:/data hypertoken peer --join ROOM --relay ws://RELAY:8080 \
#       --data-dir /data --control unix:///data/control.sock
# Its healthcheck asks the peer's control socket; run the relay from the relay image (the
# default target), whose healthcheck is the relay's own.

FROM base AS full
COPY --from=full-build /opt/venv /opt/venv
COPY examples /app/examples
ENV PATH=/opt/venv/bin:$PATH \
    HYPERTOKEN_RELAY_PORT=8080
RUN mkdir /data && chown hypertoken:hypertoken /data
VOLUME /data
USER hypertoken
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["hypertoken", "status", "--control", "unix:///data/control.sock", "--json"]
ENTRYPOINT ["hypertoken"]
CMD ["peer", "--join", "lobby", "--relay", "ws://relay:8080", "--data-dir", "/data", "--control", "unix:///data/control.sock"]

# --- relay: the default image --------------------------------------------------------------------

FROM base AS relay
COPY --from=relay-build /opt/venv /opt/venv
COPY hypertoken/__init__.py hypertoken/py.typed /app/hypertoken/
COPY hypertoken/protocol /app/hypertoken/protocol
COPY relay /app/relay
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    HYPERTOKEN_RELAY_PORT=8080
USER hypertoken
EXPOSE 8080
# No curl in slim images: the check is a few lines of Python asking GET /ready.
HEALTHCHECK --interval=15s --timeout=5s --start-period=5s --retries=3 \
    CMD ["python", "-m", "relay.healthcheck"]
STOPSIGNAL SIGTERM
CMD ["python", "-m", "relay", "--host", "0.0.0.0", "--port", "8080"]
