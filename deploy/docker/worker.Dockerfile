# syntax=docker/dockerfile:1
# The driftloop worker: the retrainPipeline / batchScore workflows and every
# stage's activities (`driftloop worker`). Build from the repository root:
#
#   docker build -f deploy/docker/worker.Dockerfile -t driftloop-worker .
#
# The image has no Python: the retrain stage runs the trainer through
# trainer.runner "temporal" (the trainer image as a Python worker) or
# "kubernetes" (one Job per training), never "local".

# --- build: compile TypeScript (needs the dev dependencies) ------------------
FROM node:20.20.2-bookworm-slim AS build
# better-sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# .npmrc carries onnxruntime-node-install=skip: the CPU binaries ship in the
# package; the install script would only fetch optional GPU libraries.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-fund --no-audit
COPY . .
RUN npx --no-install tsc -p tsconfig.build.json

# --- deps: production dependencies only ---------------------------------------
FROM node:20.20.2-bookworm-slim AS deps
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-fund --no-audit && npm cache clean --force

# --- runtime ------------------------------------------------------------------
FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DRIFTLOOP_HOME=/var/lib/driftloop \
    DRIFTLOOP_WORKER_METRICS_ADDRESS=0.0.0.0:9464
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
RUN groupadd --gid 10001 driftloop \
    && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin driftloop \
    && mkdir -p /var/lib/driftloop \
    && chown driftloop:driftloop /var/lib/driftloop
USER 10001:10001
# The Temporal SDK's Prometheus endpoint (temporal_* metrics).
EXPOSE 9464
# The worker has no HTTP API of its own; its metrics endpoint is served by the
# SDK's core runtime inside the worker process, so a 200 from it means the
# process and its runtime are up — without a Temporal round trip per check.
# (Whether it is polling shows in temporal_num_pollers, not here.)
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:9464/metrics').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/driftloop.js"]
CMD ["worker"]
