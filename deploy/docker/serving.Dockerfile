# syntax=docker/dockerfile:1
# The driftloop serving process (`driftloop serve`): vetiver, Open Inference
# Protocol V2 and MLflow scoring routes for a registry alias, followed live.
# Build from the repository root:
#
#   docker build -f deploy/docker/serving.Dockerfile -t driftloop-serving .
#   docker run -e DRIFTLOOP_DATABASE_URL=… -v driftloop-home:/var/lib/driftloop driftloop-serving --model churn

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
    DRIFTLOOP_HOME=/var/lib/driftloop
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
EXPOSE 8080
# Liveness of the V2 protocol (the same endpoint the Kubernetes livenessProbe uses).
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:8080/v2/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Listens on every interface inside the container (the CLI's default is loopback).
ENTRYPOINT ["node", "bin/driftloop.js", "serve", "--host", "0.0.0.0", "--port", "8080"]
CMD ["--model", "churn"]
