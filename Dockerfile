# syntax=docker/dockerfile:1

# Build stage: full install (dev dependencies for tsc; `npm ci` runs `prepare` = build to dist/).
FROM node:20-bookworm-slim AS build
WORKDIR /app
# tree-sitter may compile its native addon when no prebuild matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm ci

# Runtime stage: production dependencies only, compiled output from the build stage.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run tsc, which is a dev dependency; dist/ comes from the build stage.
# The native addons' install scripts are skipped too, so copy the addons built (or prebuilt) above.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/node_modules/tree-sitter ./node_modules/tree-sitter
COPY --from=build /app/node_modules/tree-sitter-go ./node_modules/tree-sitter-go
COPY --from=build /app/dist ./dist
COPY app.yml ./
# The models of called code (models/*.json), read by the engine at start.
COPY models ./models
USER node
EXPOSE 3000
# GET /healthz answers 200 with {status, uptime, version} (src/app/metrics.ts).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node directly (not npm/npx), so `docker stop`'s SIGTERM reaches the App. Node as PID 1 ignores a signal
# it has no handler for; the App installs SIGTERM and SIGINT handlers that stop taking work, let runs in
# progress finish for RACECHECK_SHUTDOWN_TIMEOUT_S (default 8 s, inside docker stop's 10 s) and exit.
CMD ["node", "dist/app/start.js"]
