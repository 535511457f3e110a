import * as grpc from "@grpc/grpc-js";
import { loadExternalScalerPackage } from "../keda/external-scaler/load-proto.js";

type Unary = (request: unknown, options: { deadline: Date }, callback: (error: grpc.ServiceError | null, response: unknown) => void) => void;

/**
 * A client of KEDA's external scaler protocol (externalscaler.proto), as KEDA's operator calls the
 * coordinator's push scaler: GetMetrics per pool. The local autoscaler scales `external-push`
 * pools from it, so the same gRPC path runs here as in a cluster.
 */
export class ExternalScalerClient {
  private readonly client: grpc.Client & Record<string, Unary>;

  constructor(address: string) {
    const Ctor = loadExternalScalerPackage().ExternalScaler as grpc.ServiceClientConstructor;
    this.client = new Ctor(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Unary>;
  }

  /** The pool's demand metric (leases in flight), as KEDA reads it. */
  async demand(pool: string, timeoutMs = 2000): Promise<number> {
    const response = await new Promise<unknown>((resolve, reject) => {
      this.client.GetMetrics!.call(
        this.client,
        { scaledObjectRef: { name: `factory-${pool}`, namespace: "fleet", scalerMetadata: { pool } }, metricName: `fleet-demand-${pool}` },
        { deadline: new Date(Date.now() + timeoutMs) },
        (error, reply) => (error === null ? resolve(reply) : reject(error)),
      );
    });
    const values = (response as { metricValues?: { metricValueFloat?: number; metricValue?: string | number }[] }).metricValues ?? [];
    const first = values[0];
    if (first === undefined) throw new Error(`the external scaler returned no metric for pool ${pool}`);
    return Number(first.metricValueFloat ?? first.metricValue ?? 0);
  }

  close(): void {
    this.client.close();
  }
}
