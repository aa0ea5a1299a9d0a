# Diamante node image: `docker build -t diamante .` then
# `docker run -p 8000:8000 -v diamante-data:/data diamante` starts a standalone network.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY workers ./workers
COPY test ./test
COPY native-bench ./native-bench
COPY web ./web
RUN npx tsc -p . && node web/build.mjs && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
VOLUME ["/data"]
EXPOSE 8000
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["start", "--data", "/data", "--port", "8000", "--host", "0.0.0.0"]
