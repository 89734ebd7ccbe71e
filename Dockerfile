# The llm-cascade service (HTTP API + worker). Expects TEMPORAL_ADDRESS; see docker-compose.yml.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# Everything, dev dependencies included: the worker's packages are optional peer dependencies of
# the package (a client-only install leaves them out) and devDependencies of this repository, and
# `npm start` runs the TypeScript source through tsx. Scripts run after the sources are in.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build
ENV NODE_ENV=production
EXPOSE 8080
CMD ["npm", "start"]
