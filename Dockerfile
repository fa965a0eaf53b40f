# The connector image, built the way Airbyte builds Python connectors: a slim Python base, the
# package installed with pip, and AIRBYTE_ENTRYPOINT equal to the ENTRYPOINT (the platform and
# the acceptance tests read it). Build: docker build -t source-pipedrive/source-pipedrive:0.1.0 .
FROM python:3.11-slim

LABEL io.airbyte.name="source-pipedrive/source-pipedrive"
LABEL io.airbyte.version="0.1.0"

WORKDIR /airbyte/integration_code
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir --disable-pip-version-check . \
    && rm -rf /root/.cache

ENV PYTHONUNBUFFERED=1
ENV AIRBYTE_ENTRYPOINT="source-pipedrive"
ENTRYPOINT ["source-pipedrive"]
