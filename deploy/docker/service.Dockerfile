# syntax=docker/dockerfile:1
#
# The image of one payrisk service, chosen with the SERVICE build argument. The build context is the
# repository root:
#
#   docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=ingest -t payrisk/ingest:dev .
#
# SERVICE is one of ingest, risk, push, ledger, console. The container runs `python -m payrisk_<SERVICE>` as an
# unprivileged user (uid 10001); its settings come from PAYRISK_<SERVICE>_* variables (see the service's
# settings.py). Data that must survive a restart goes under /var/lib/payrisk.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------------------------------------
# Builder: generate the protobuf code and install the service with every version pinned by requirements.lock.
# ---------------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ARG SERVICE
ARG UV_VERSION=0.13.9
RUN case "${SERVICE}" in \
      ingest|risk|push|ledger|console) ;; \
      *) echo "build with --build-arg SERVICE=ingest|risk|push|ledger|console (got '${SERVICE}')" >&2; exit 1 ;; \
    esac

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_CACHE_DIR=/var/cache/uv \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never
RUN pip install "uv==${UV_VERSION}"

WORKDIR /src

# requirements.lock pins the whole workspace, test tools included. Used as constraints, it pins exactly the
# packages this one service needs; its editable workspace lines are dropped (the packages are installed from
# their folders below, as regular wheels).
COPY requirements.lock ./
RUN grep -v '^-e ' requirements.lock > /tmp/constraints.txt

# The Python code of the contracts is generated, never committed.
COPY protos protos
COPY scripts/gen-proto.sh scripts/gen-proto.sh
COPY libs/proto libs/proto
RUN --mount=type=cache,target=/var/cache/uv \
    uv pip install --system --constraint /tmp/constraints.txt grpcio-tools \
 && PYTHON=python bash scripts/gen-proto.sh

COPY libs/runtime libs/runtime
COPY services/${SERVICE} services/${SERVICE}
# --no-sources: the packages' [tool.uv.sources] point at editable checkouts, which the runtime image lacks.
RUN --mount=type=cache,target=/var/cache/uv \
    uv venv /opt/venv \
 && uv pip install --python /opt/venv/bin/python --no-sources --constraint /tmp/constraints.txt \
      ./libs/proto ./libs/runtime "./services/${SERVICE}"

# ---------------------------------------------------------------------------------------------------------
# Runtime: the virtual environment and nothing else, run by an unprivileged user.
# ---------------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG SERVICE

# LightGBM (risk) loads the OpenMP runtime from the system; it is tiny, so every image has it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 payrisk \
 && useradd --system --uid 10001 --gid payrisk --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin payrisk \
 && install -d -o payrisk -g payrisk -m 0750 /var/lib/payrisk

COPY --from=builder /opt/venv /opt/venv
COPY deploy/docker/grpc_health_check.py /opt/payrisk/grpc_health_check.py

ENV PATH=/opt/venv/bin:${PATH} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PAYRISK_SERVICE_MODULE=payrisk_${SERVICE}

LABEL org.opencontainers.image.title="payrisk-${SERVICE}" \
      org.opencontainers.image.description="payrisk ${SERVICE} service"

WORKDIR /var/lib/payrisk
# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001

# The exec form cannot expand variables: a shell picks the module, then is replaced by Python (exec), so
# SIGTERM reaches the service and it shuts down gracefully.
ENTRYPOINT ["/bin/sh", "-c", "exec python -m \"${PAYRISK_SERVICE_MODULE}\"", "payrisk-service"]
