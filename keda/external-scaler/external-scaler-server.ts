import * as grpc from "@grpc/grpc-js";
import { type DemandSource, demandMetric } from "./pool-demand.js";
import { externalScalerService } from "./load-proto.js";

interface ScaledObjectRef {
  name: string;
  namespace: string;
  scalerMetadata: Record<string, string>;
}

export interface ExternalScalerServer {
  port: number;
  close(): Promise<void>;
}

/**
 * KEDA's external scaler gRPC interface over the coordinator's exact per-pool demand
 * (trigger `external-push`, metadata `pool`). StreamIsActive pushes a change of activity as soon as
 * it happens (checked every `pushIntervalMs`), so a pool wakes from zero without waiting for
 * KEDA's polling interval.
 */
export async function startExternalScaler(options: {
  source: DemandSource;
  host?: string;
  port?: number;
  pushIntervalMs?: number;
}): Promise<ExternalScalerServer> {
  const server = new grpc.Server();
  const streams = new Set<grpc.ServerWritableStream<ScaledObjectRef, { result: boolean }>>();
  const poolOf = (ref: ScaledObjectRef | undefined): string | undefined => ref?.scalerMetadata?.pool;
  const notFound = (pool: string | undefined): grpc.ServiceError =>
    Object.assign(new Error(`unknown pool '${pool ?? ""}': set trigger metadata 'pool' to a pool of the topology`), {
      code: grpc.status.NOT_FOUND,
      details: `unknown pool '${pool ?? ""}'`,
      metadata: new grpc.Metadata(),
    });
  const activeOf = (pool: string): boolean | undefined => {
    const demand = options.source.demand(pool);
    const scaling = options.source.scaling(pool);
    if (demand === undefined || scaling === undefined) return undefined;
    return demandMetric(demand) > scaling.activation;
  };

  server.addService(externalScalerService(), {
    IsActive(call: grpc.ServerUnaryCall<ScaledObjectRef, unknown>, callback: grpc.sendUnaryData<{ result: boolean }>) {
      const pool = poolOf(call.request);
      const active = pool === undefined ? undefined : activeOf(pool);
      if (active === undefined) return callback(notFound(pool));
      callback(null, { result: active });
    },
    StreamIsActive(call: grpc.ServerWritableStream<ScaledObjectRef, { result: boolean }>) {
      const pool = poolOf(call.request);
      if (pool === undefined || activeOf(pool) === undefined) {
        call.destroy(notFound(pool));
        return;
      }
      streams.add(call);
      let last: boolean | undefined;
      const push = () => {
        const active = activeOf(pool);
        if (active !== undefined && active !== last) {
          last = active;
          call.write({ result: active });
        }
      };
      push();
      const timer = setInterval(push, options.pushIntervalMs ?? 500);
      const end = () => {
        clearInterval(timer);
        streams.delete(call);
      };
      call.on("cancelled", end);
      call.on("close", end);
      call.on("error", end);
    },
    GetMetricSpec(call: grpc.ServerUnaryCall<ScaledObjectRef, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const pool = poolOf(call.request);
      const scaling = pool === undefined ? undefined : options.source.scaling(pool);
      if (pool === undefined || scaling === undefined) return callback(notFound(pool));
      const target = Number(call.request.scalerMetadata.targetSize ?? scaling.target);
      callback(null, { metricSpecs: [{ metricName: metricNameOf(pool), targetSize: Math.round(target), targetSizeFloat: target }] });
    },
    GetMetrics(call: grpc.ServerUnaryCall<{ scaledObjectRef: ScaledObjectRef; metricName: string }, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const pool = poolOf(call.request.scaledObjectRef);
      const demand = pool === undefined ? undefined : options.source.demand(pool);
      if (pool === undefined || demand === undefined) return callback(notFound(pool));
      const value = demandMetric(demand);
      callback(null, { metricValues: [{ metricName: metricNameOf(pool), metricValue: value, metricValueFloat: value }] });
    },
  });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${options.host ?? "127.0.0.1"}:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams) stream.end();
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000).unref();
      }),
  };
}

export function metricNameOf(pool: string): string {
  return `fleet-demand-${pool}`;
}
