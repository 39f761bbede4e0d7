# The kafka-dr worker image (it carries `kdr` too). Production dependencies only, a non-root user, a health
# check on the worker's Prometheus endpoint. Build: docker build -t kafka-dr . ; run one or more containers
# against one Temporal cluster (docs/operator-guide.md, "Running workers"): they share the task queue, and a run
# whose worker dies is continued by another.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    KDR_METRICS_PORT=9464
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY bin ./bin
COPY config ./config
COPY src ./src
COPY activities ./activities
COPY workflows ./workflows
# The pairs file, credentials and TEMPORAL_* settings come from the environment (or mounted files), never the image.
USER node
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.KDR_METRICS_PORT + '/metrics').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node_modules/.bin/tsx", "app/worker.ts"]
