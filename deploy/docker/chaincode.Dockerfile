# syntax=docker/dockerfile:1
#
# The ledger's Python chaincode (services/ledger/chaincode, package payrisk_chaincode) as a chaincode
# service (CCaaS): the peers connect to it, it does not connect to them. The build context is the
# repository root:
#
#   docker build -f deploy/docker/chaincode.Dockerfile -t payrisk/chaincode:dev .
#
# At start it needs CHAINCODE_ID (the package id that `peer lifecycle chaincode install` printed) or
# CHAINCODE_ID_FILE (a file holding it), and listens on CHAINCODE_SERVER_ADDRESS (default 0.0.0.0:9999).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder

ARG UV_VERSION=0.13.9
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_CACHE_DIR=/var/cache/uv \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never
RUN pip install "uv==${UV_VERSION}"

WORKDIR /src
# Versions pinned by requirements.lock (fabric-chaincode-python included), without the editable lines.
COPY requirements.lock ./
RUN grep -v '^-e ' requirements.lock > /tmp/constraints.txt
COPY services/ledger/chaincode services/ledger/chaincode
RUN --mount=type=cache,target=/var/cache/uv \
    uv venv /opt/venv \
 && uv pip install --python /opt/venv/bin/python --no-sources --constraint /tmp/constraints.txt \
      ./services/ledger/chaincode

FROM ${PYTHON_IMAGE} AS runtime

RUN groupadd --system --gid 10001 payrisk \
 && useradd --system --uid 10001 --gid payrisk --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin payrisk

COPY --from=builder /opt/venv /opt/venv
COPY --chmod=0755 deploy/docker/chaincode-entrypoint.sh /opt/payrisk/chaincode-entrypoint.sh

ENV PATH=/opt/venv/bin:${PATH} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CHAINCODE_SERVER_ADDRESS=0.0.0.0:9999

USER 10001:10001
EXPOSE 9999
ENTRYPOINT ["/opt/payrisk/chaincode-entrypoint.sh"]
