# The dbops container image: the CLI the schedule's jobs run (ECS Fargate, Kubernetes
# CronJobs; docs/schedule.md). Build: docker build -t <registry>/dbops:<version> .
# Pinned by tag to the official Node 20 image on Debian 12 (bookworm); pin by digest too
# (node:20-bookworm-slim@sha256:…) in your own registry for a reproducible build.

# --- build: dev dependencies, TypeScript, the bundle --------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY bin ./bin
COPY runbooks ./runbooks
COPY sql ./sql
RUN npm run build

# --- runtime: production dependencies, the built CLI, the database clients ----------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production
# PostgreSQL and MariaDB/MySQL client tools for the data-plane checks (pg_dump, psql, mariadb).
RUN apt-get update \
  && apt-get install -y --no-install-recommends postgresql-client mariadb-client ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/dbops
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY runbooks ./runbooks
COPY sql ./sql
# A user of its own, not root; the config is read from the working directory (a mounted
# ConfigMap on Kubernetes, the stored parameter on ECS).
RUN groupadd --system --gid 10001 dbops \
  && useradd --system --uid 10001 --gid dbops --home-dir /home/dbops --create-home dbops \
  && mkdir -p /etc/dbops && chown dbops:dbops /etc/dbops
USER 10001:10001
WORKDIR /etc/dbops
ENTRYPOINT ["node", "/opt/dbops/bin/dbops"]
CMD ["--help"]
