# Nashra in a container: the README's install command, a non-root user, state in a volume.
#   docker build -t nashra .
#   docker run -d --name nashra -e NASHRA_BOT_TOKEN=... \
#     -v "$PWD/config.toml:/app/config.toml:ro" -v nashra-data:/app/data nashra
# Reload the config with `docker kill --signal=HUP nashra`; `docker stop` gives it time to finish a send.
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md config.example.toml ./
COPY bot ./bot
COPY jobs ./jobs
# The README's install step, without the virtual environment: the image is the isolation.
RUN pip install --no-cache-dir . \
    && useradd --system --home-dir /app --shell /usr/sbin/nologin nashra \
    && mkdir -p /app/data && chown nashra /app/data

USER nashra
# config.toml's [storage] path is relative ("data/nashra.json"), so it lands in this volume.
VOLUME ["/app/data"]
# The config must set [ops] http = true for the health check (loopback is enough: it runs inside).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["nashra", "health", "-c", "config.toml"]
# SIGTERM is the orderly stop; give it longer than [ops] stop_timeout with `docker stop -t`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["nashra"]
CMD ["run", "-c", "config.toml"]
