# The connector image, built the way Airbyte builds Python connectors: a slim Python base pinned to an
# exact version, the package installed with pip (the core install only: httpx and orjson; no DuckDB,
# no rich), a non-root user, and AIRBYTE_ENTRYPOINT equal to the ENTRYPOINT (the platform and the
# acceptance tests read it).
#   podman build -t source-pipedrive/source-pipedrive:0.1.0 .     (or docker build; `make image-test`
#   builds it and runs spec, check, discover and read from it against the sandbox)
# Base: python:3.11.11-slim-bookworm; index digest when pinned
#   sha256:081075da77b2b55c23c088251026fb69a7b2bf92471e491ff5fd75c192fd38e5
# (bump the tag and this digest together; `podman pull` prints the digest it resolved).
FROM python:3.11.11-slim-bookworm

LABEL io.airbyte.name="source-pipedrive/source-pipedrive"
LABEL io.airbyte.version="0.1.0"

WORKDIR /airbyte/integration_code
COPY pyproject.toml README.md ./
COPY src ./src
RUN PIP_ROOT_USER_ACTION=ignore pip install --no-cache-dir --disable-pip-version-check . \
    && rm -rf /root/.cache src \
    && useradd --create-home --uid 1000 --user-group airbyte

USER airbyte
ENV PYTHONUNBUFFERED=1
ENV AIRBYTE_ENTRYPOINT="source-pipedrive"
ENTRYPOINT ["source-pipedrive"]
