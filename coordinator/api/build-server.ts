import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import pino, { type Bindings, type ChildLoggerOptions, type Logger } from "pino";
import { LIMITS } from "../../contracts/index.js";
import { authenticateBeforeParsing, authFailureOf } from "./authenticate.js";
import type { ApiContext } from "./context.js";
import { handleError } from "./error-handler.js";
import { registerConsoleRoutes } from "./routes/console.js";
import { registerBudgetRoutes } from "./routes/budgets.js";
import { factoryReadsOnlyItsLeases } from "./factory-read-guard.js";
import { registerJsonBodyParser } from "./json-body-parser.js";
import { validatorCompiler } from "./validator-compiler.js";
import { registerDeadLetterRoutes } from "./routes/dead-letters.js";
import { registerEnrollmentTokenRoutes } from "./routes/enrollment-tokens.js";
import { registerFactoryRoutes } from "./routes/factories.js";
import { registerFleetRoutes } from "./routes/fleet.js";
import { registerHealthRoutes } from "./routes/health.js";
import { registerJobViewRoutes } from "./routes/job-views.js";
import { registerJobRoutes } from "./routes/jobs.js";
import { registerJobBatchRoutes } from "./routes/job-batches.js";
import { registerLeaseRoutes } from "./routes/leases.js";
import { registerPoolHistoryRoutes } from "./routes/pool-history.js";
import { registerReportRoutes } from "./routes/reports.js";
import { registerArtifactRoutes } from "./routes/artifacts.js";
import { registerReviewRoutes } from "./routes/reviews.js";
import { registerStreamRoutes } from "./routes/streams.js";
import { registerPauseRoutes } from "./routes/pauses.js";
import { registerScheduleRoutes } from "./routes/schedules.js";
import { registerWeightRoutes } from "./routes/weights.js";
import { registerOperatorRoutes } from "./routes/operators.js";

export type RequestLogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface BuildServerOptions {
  logger?: Logger | false;
  /** How verbose per-request logs may be (never more than the logger): "info" logs every request
   * received and completed and every 4xx; "warn" (the default) only failures, so the hot paths
   * (submit, accept, stage reports, release, heartbeats) pay nothing per request for logging. */
  requestLogLevel?: RequestLogLevel;
  /** Proxy hops whose X-Forwarded-For is believed (0: none). Callers without valid credentials are
   * limited per source address, so behind an ingress this must count the ingress. */
  trustProxyHops?: number;
}

/**
 * Fastify's per-request logging at `level` (never more verbose than the logger). Quieter than info,
 * requests are neither logged on arrival and completion nor given a child logger each: they share
 * one at that level (a failure's log names the request id itself, see error-handler.ts).
 */
function requestLogging(logger: Logger, level: RequestLogLevel) {
  const effective = levelValue(level) >= levelValue(logger.level) ? level : (logger.level as RequestLogLevel);
  if (levelValue(effective) <= levelValue("info")) {
    return { childLoggerFactory: (parent: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions) => parent.child(bindings, { ...opts, level: effective }) };
  }
  const shared = logger.child({}, { level: effective }) as FastifyBaseLogger;
  return { logController: new LogController({ disableRequestLogging: true }), childLoggerFactory: () => shared };
}

function levelValue(level: string): number {
  return level === "silent" ? Number.POSITIVE_INFINITY : (pino.levels.values[level] ?? 30);
}

/** The coordinator's HTTP API: Fastify with zod validation, OpenAPI at /docs. */
export async function buildServer(ctx: ApiContext, options: BuildServerOptions = {}): Promise<FastifyInstance> {
  // Request logs never include the Authorization header: pino's default request serializer
  // records method, url and ids only.
  const hops = options.trustProxyHops ?? 0;
  const common = { bodyLimit: LIMITS.requestBodyBytes, ...(hops > 0 ? { trustProxy: (_address: string, hop: number) => hop < hops } : {}) };
  const app: FastifyInstance =
    options.logger === undefined || options.logger === false
      ? Fastify({ logger: false, ...common })
      : Fastify({ loggerInstance: options.logger as FastifyBaseLogger, ...requestLogging(options.logger, options.requestLogLevel ?? "warn"), ...common });
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the API (OpenAPI at /docs) and the API suite checks real responses
  // against them; serving does not re-validate every response (job documents on the factories'
  // hot path), it writes JSON.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  registerJsonBodyParser(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: "NOT_FOUND", message: `no route ${request.method} ${request.url} (see /docs for the API)` } }),
  );
  // Authentication before the body is parsed or validated (see authenticate.ts), and the factory
  // read rule once the caller is known.
  app.addHook("onRoute", authenticateBeforeParsing);
  app.addHook("preHandler", factoryReadsOnlyItsLeases(ctx));
  app.addHook("onResponse", async (request, reply) => {
    ctx.metrics.countRequest(request.routeOptions.url ?? "unknown", reply.statusCode);
    const refused = authFailureOf(request, reply.statusCode);
    if (refused !== undefined) ctx.metrics.countAuthFailure(refused);
  });
  await app.register(swagger, {
    openapi: {
      info: { title: "Fleet Dispatch coordinator", version: "0.1.0", description: "Jobs, leases with fencing epochs, pools and dead letters." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  registerHealthRoutes(app, ctx);
  registerJobRoutes(app, ctx);
  registerJobBatchRoutes(app, ctx);
  registerJobViewRoutes(app, ctx);
  registerLeaseRoutes(app, ctx);
  registerFactoryRoutes(app, ctx);
  registerOperatorRoutes(app, ctx);
  registerEnrollmentTokenRoutes(app, ctx);
  registerFleetRoutes(app, ctx);
  registerDeadLetterRoutes(app, ctx);
  registerStreamRoutes(app, ctx);
  registerPoolHistoryRoutes(app, ctx);
  registerReportRoutes(app, ctx);
  registerConsoleRoutes(app, ctx);
  registerBudgetRoutes(app, ctx);
  registerPauseRoutes(app, ctx);
  registerWeightRoutes(app, ctx);
  registerScheduleRoutes(app, ctx);
  registerReviewRoutes(app, ctx);
  registerArtifactRoutes(app, ctx);
  return app;
}
