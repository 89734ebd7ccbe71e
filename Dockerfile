# llm-cascade: one image, two roles. The default command runs the HTTP API (`npm run api`); the
# worker role runs `node --import tsx worker/main.ts` (`npm run worker`). Both connect to
# TEMPORAL_ADDRESS; see docker-compose.yml. Node 24 is the active LTS line.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Everything, dev dependencies included: the worker's packages are optional peer dependencies of
# the package (a client-only install leaves them out) and devDependencies of this repository, and
# the roles run the TypeScript source through tsx. Scripts run after the sources are in.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build
# The workflow bundle, made once here: workers load it (LLM_CASCADE_WORKFLOW_BUNDLE) and start in
# about a second instead of bundling for four.
RUN node --import tsx scripts/bundle-workflows.ts dist/workflow-bundle.js

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    LLM_CASCADE_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    HOST=0.0.0.0 \
    PORT=8080 \
    LOG_FORMAT=json
WORKDIR /app
# Owned by root, run as the image's unprivileged `node` user: the code cannot be changed at run time.
COPY --from=build /app /app
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "scripts/healthcheck.js", "http://127.0.0.1:8080/healthz"]
CMD ["node", "--import", "tsx", "api/main.ts"]
