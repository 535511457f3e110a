import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

export const PROTO_PATH = fileURLToPath(new URL("./externalscaler.proto", import.meta.url));

/** Loads KEDA's external scaler service definition (shared by the server and test clients). */
export function loadExternalScalerPackage(): grpc.GrpcObject {
  const definition = protoLoader.loadSync(PROTO_PATH, { keepCase: true, longs: Number, defaults: true });
  const loaded = grpc.loadPackageDefinition(definition);
  const pkg = loaded.externalscaler;
  if (pkg === undefined || typeof pkg === "function") throw new Error("externalscaler package missing from the proto");
  return pkg as grpc.GrpcObject;
}

export function externalScalerService(): grpc.ServiceDefinition {
  const ctor = loadExternalScalerPackage().ExternalScaler as grpc.ServiceClientConstructor;
  return ctor.service;
}
