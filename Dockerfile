# Provisioner: the API (`serve`, the default) or a worker (`worker`) from one image.
# It runs the compiled JavaScript in dist/ (built in the first stage); no TypeScript at run time.

# ---- build: every dependency, then `npm ci` builds src/ and web/ into dist/ (the prepare script) --
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/
COPY src ./src
# the dashboard: Vite bundles web/ into dist/web/ in the same build
COPY web ./web
RUN npm ci --no-audit --no-fund

# ---- dependencies: production only, installed from the lockfile -----------------------------
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# the build needs the dev dependencies (typescript): it ran in the build stage
RUN npm pkg delete scripts.prepare && npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime ------------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=4000 \
    HOST=0.0.0.0 \
    LOG_PRETTY=false
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json package-lock.json ./
COPY bin ./bin
# `provisioner ...` inside the container (e.g. docker-compose exec api provisioner users create)
RUN ln -s /app/bin/provisioner.js /usr/local/bin/provisioner
# the image's own unprivileged user (uid 1000); the app writes nothing under /app
USER node
EXPOSE 4000
# liveness of the API; the worker service overrides it (it serves only METRICS_PORT)
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/provisioner.js"]
CMD ["serve"]
