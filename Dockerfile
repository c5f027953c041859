# One image for every crm-sync process; docker-compose.yml picks the entry point per service.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund && npx nx run-many -t build && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production NX_DAEMON=false
COPY --from=build /app /app
USER node
