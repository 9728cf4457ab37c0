# ftpops: `docker build -t ftpops .`, then `docker run --env-file .env ftpops bot|worker|all`.
# Two stages: the build stage compiles TypeScript to dist/; the runtime stage has production
# dependencies only. The image always contains dist/, so bin/ftpops never tries to build itself.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script would run the build before the sources are copied.
# npm install, not npm ci: npm 11's lock file lacks other platforms' optional msgpackr-extract
# packages, which `npm ci` then refuses; install still follows the lock.
RUN npm install --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts again: `prepare` would need tsc, which is a dev dependency.
# --omit=optional: the demo servers' FTP library (ftp-srv) stays out of the image; bot and
# worker never load it (`ftpops demo` says what it needs). ssh2 and BullMQ run without their
# optional native helpers (cpu-features, msgpackr-extract).
RUN npm install --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The knowledge base is read at run time from src/knowledge/{data,runbooks} next to dist/.
COPY src/knowledge/data ./src/knowledge/data
COPY src/knowledge/runbooks ./src/knowledge/runbooks
# Read at run time from src/ (like the knowledge files): the web console's page.
COPY src/chat/console/static ./src/chat/console/static
# The official image's unprivileged user (uid 1000). Files stay root-owned: read-only to the app.
USER node
# PORT: the bot's HTTP server (Slack over HTTP, log ingestion, /metrics, /healthz, /readyz).
# FTPOPS_METRICS_PORT: a worker's own /metrics, /healthz and /readyz.
ENV FTPOPS_METRICS_PORT=9464
EXPOSE 3000 9464
# Liveness only (/healthz): a restart cannot fix Redis or Slack. Readiness (/readyz) is for
# orchestrators and compose's depends_on (docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["node", "bin/healthcheck.mjs", "/healthz"]
ENTRYPOINT ["node", "bin/ftpops"]
CMD ["all"]
