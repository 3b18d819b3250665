import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { PostgresStore } from '../adapters/postgres/store.ts';
import type { ProvisioningService } from '../application/provisioning-service.ts';
import type { Engine } from '../ports/engine.ts';
import type { EngineRecord } from '../ports/store.ts';
import type { Logger } from '../observability/logger.ts';
import { TokenStateCache } from '../adapters/postgres/token-state-cache.ts';
import { DEFAULT_EVENT_STREAM_TOKEN_CHECK_MS, DEFAULT_LOGIN_THROTTLE, type LoginThrottle, type TrustProxy } from '../config.ts';
import { STRICT_ENGINE_URL_POLICY, type EngineUrlPolicy } from '../adapters/engine-url-policy.ts';
import { DEFAULT_READINESS_CACHE_MS } from '../application/readiness.ts';
import { frameworkErrorProblem, problemDetails } from './plugins/problem-details.ts';
import { openApiTransform, problemComponent, transportProblems } from './responses.ts';
import { authentication } from './plugins/authentication.ts';
import { inputHygiene } from './plugins/input-hygiene.ts';
import { authRoutes } from './routes/auth.ts';
import { bulkRoutes } from './routes/bulk.ts';
import { provisioningRoutes } from './routes/provisioning.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { engineRoutes } from './routes/engines.ts';
import { userRoutes } from './routes/users.ts';
import { healthRoutes } from './routes/health.ts';
import { eventRoutes } from './routes/events.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { auditRoutes } from './routes/audit.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { statsRoutes } from './routes/stats.ts';
import type { EventFeed } from '../observability/event-feed.ts';
import type { ProvisionerMetrics } from '../observability/metrics.ts';
import { Journal } from '../observability/journal.ts';
import { DriftChecks } from '../application/drift-checks.ts';
import { driftRoutes } from './routes/drift.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { DEFAULT_WEBHOOK_POLICY } from '../runner/webhook-deliverer.ts';
import { DEFAULT_TENANT_SCAN_LIMIT } from '../application/provisioning-service.ts';

export interface ApiDeps {
  store: PostgresStore;
  service: ProvisioningService;
  engineFor: (record: EngineRecord) => Engine;
  version: string;
  /** New events from every process, for the SSE routes. */
  eventFeed: EventFeed;
  metrics: ProvisionerMetrics;
  /** Login throttling per account and per address. (Default: DEFAULT_LOGIN_THROTTLE) */
  loginThrottle: LoginThrottle;
  /** Whether the demo account (admin@moran.com) may log in: demo mode only. */
  demo: boolean;
  /** Which engine URLs may be registered. (Default: STRICT_ENGINE_URL_POLICY, public https only) */
  engineUrlPolicy: EngineUrlPolicy;
  /** ENGINE_MAX_CONCURRENCY: the engines' slots, for the load the engine routes show. */
  engineMaxConcurrency: number;
  /** Verify, heal and plan. */
  driftChecks: DriftChecks;
  /** WEBHOOK_SECRET_OVERLAP_MS: how long a webhook's old secret still signs after a change. */
  webhookSecretOverlapMs: number;
  /** TENANT_FILTER_SCAN_LIMIT: tenants one page of GET /api/tenants looks at, at most, whatever its filter. */
  tenantFilterScanLimit: number;
}

export interface ApiOptions extends Omit<ApiDeps, 'loginThrottle' | 'demo' | 'engineUrlPolicy' | 'engineMaxConcurrency' | 'driftChecks' | 'webhookSecretOverlapMs' | 'tenantFilterScanLimit'> {
  /** Users' token states for the token checks. (Default: none kept, each check reads the users table) */
  tokenStates?: TokenStateCache;
  logger: Logger;
  /** Where the API's own events go (a verification's drift): the process's journal, whose bus the metrics follow. (Default: a journal of its own) */
  journal?: Journal;
  jwtSecret: string;
  /** Interval of the SSE keep-alive comment. (Default: 15000 ms) */
  eventStreamKeepAliveMs?: number;
  /** Open event streams allowed per user and in all, in this process. (Default: DEFAULT_EVENT_STREAM_LIMITS) */
  eventStreamLimits?: { perUser: number; total: number };
  /** Which proxies' X-Forwarded-For/-Proto/-Host to believe, for request.ip and the request log. (Default: none) */
  trustProxy?: TrustProxy;
  loginThrottle?: LoginThrottle;
  /** How often open event streams re-check their tokens. (Default: 5000 ms) */
  eventStreamTokenCheckMs?: number;
  /** How long one round of engine checks answers GET /api/ready. (Default: 5000 ms) */
  readinessCacheMs?: number;
  demo?: boolean;
  engineUrlPolicy?: EngineUrlPolicy;
  /** (Default: 8, as ENGINE_MAX_CONCURRENCY) */
  engineMaxConcurrency?: number;
  /** WEBHOOK_SECRET_OVERLAP_MS. (Default: DEFAULT_WEBHOOK_POLICY's, 24 h) */
  webhookSecretOverlapMs?: number;
  /** TENANT_FILTER_SCAN_LIMIT. (Default: DEFAULT_TENANT_SCAN_LIMIT, 2,000) */
  tenantFilterScanLimit?: number;
}

/** The HTTP API of product.md §5: one plugin per concern, every route declared with its schema. */
export async function buildApi(opts: ApiOptions): Promise<FastifyInstance<any, any, any, FastifyBaseLogger, ZodTypeProvider>> {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: 256 * 1024,
    trustProxy: opts.trustProxy ?? false,
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      const body = frameworkErrorProblem(error);
      void reply.code(body.status).type('application/problem+json').send(body);
    },
  }).withTypeProvider<ZodTypeProvider>();
  // what Fastify itself may answer before a handler runs, documented on every route it applies to
  app.addHook('onRoute', (route) => {
    if (!route.schema?.response) return;
    route.schema.response = { ...transportProblems(route), ...(route.schema.response as object) };
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // The guide's continue/retry curls send "Content-Type: application/json" with no body: an
  // empty JSON body means "no body" here, not a parse error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('Body is not valid JSON'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }), undefined);
    }
  });

  await app.register(problemDetails);
  await app.register(inputHygiene);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Provisioner API', version: opts.version, description: 'Provisioning of POS workspaces inside ERPNext: status, logs, start, continue, retry.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: { Problem: problemComponent() } },
      security: [{ bearer: [] }],
    },
    transform: openApiTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(authentication, { secret: opts.jwtSecret, tokenStates: opts.tokenStates ?? new TokenStateCache({ store: opts.store, databaseUrl: null }) });

  const deps: ApiDeps = {
    store: opts.store,
    service: opts.service,
    engineFor: opts.engineFor,
    version: opts.version,
    eventFeed: opts.eventFeed,
    metrics: opts.metrics,
    loginThrottle: opts.loginThrottle ?? DEFAULT_LOGIN_THROTTLE,
    demo: opts.demo ?? false,
    engineUrlPolicy: opts.engineUrlPolicy ?? STRICT_ENGINE_URL_POLICY,
    engineMaxConcurrency: opts.engineMaxConcurrency ?? 8,
    webhookSecretOverlapMs: opts.webhookSecretOverlapMs ?? DEFAULT_WEBHOOK_POLICY.secretOverlapMs,
    tenantFilterScanLimit: opts.tenantFilterScanLimit ?? DEFAULT_TENANT_SCAN_LIMIT,
    driftChecks: new DriftChecks(opts.store, opts.service, opts.journal ?? new Journal(opts.store, opts.logger), opts.engineFor),
  };
  await app.register(healthRoutes, { ...deps, readinessCacheMs: opts.readinessCacheMs ?? DEFAULT_READINESS_CACHE_MS });
  await app.register(authRoutes, deps);
  await app.register(tenantRoutes, deps);
  await app.register(provisioningRoutes, deps);
  await app.register(bulkRoutes, deps);
  await app.register(driftRoutes, deps);
  await app.register(engineRoutes, deps);
  await app.register(webhookRoutes, deps);
  await app.register(userRoutes, deps);
  await app.register(eventRoutes, { ...deps, keepAliveMs: opts.eventStreamKeepAliveMs, limits: opts.eventStreamLimits, tokenCheckMs: opts.eventStreamTokenCheckMs ?? DEFAULT_EVENT_STREAM_TOKEN_CHECK_MS });
  await app.register(metricsRoutes, deps);
  await app.register(auditRoutes, deps);
  await app.register(statsRoutes, deps);
  // the operator dashboard at / (built into dist/web/ by scripts/build.mjs): hidden from /docs/json
  await app.register(dashboardRoutes);
  return app;
}
