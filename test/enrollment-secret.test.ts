import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadTopology } from "../contracts/topology-file.js";

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const topology = loadTopology();

/** Factory containers started by KEDA enroll with their pool's enrollment secret from the platform. */
describe("the enrollment secret in the deployment", () => {
  it("reaches every pool's pods in the generated KEDA manifests, with the pod name as the factory id", () => {
    for (const pool of topology.pools) {
      const docs = parseAllDocuments(readFileSync(root(`keda/generated/${pool.name}.yaml`), "utf8")).map((d) => d.toJS());
      const workload = docs.find((d) => d.kind === (pool.workload === "scaledJob" ? "ScaledJob" : "Deployment"));
      const template = pool.workload === "scaledJob" ? workload.spec.jobTargetRef.template : workload.spec.template;
      const env = template.spec.containers[0].env as { name: string; valueFrom?: Record<string, Record<string, unknown>> }[];
      expect(env.find((e) => e.name === "ENROLLMENT_TOKEN")?.valueFrom, pool.name).toEqual({ secretKeyRef: { name: `factory-${pool.name}-enrollment`, key: "token" } });
      expect(env.find((e) => e.name === "FACTORY_ID")?.valueFrom, pool.name).toEqual({ fieldRef: { fieldPath: "metadata.name" } });
    }
  });

  it("reaches every pool's Container Apps job as a secret, never as a plain value", () => {
    const apps = readFileSync(root("infra/bicep/modules/container-apps.bicep"), "utf8");
    expect(apps).toMatch(/@secure\(\)\s*\n\s*@description\([^\n]*\)\s*\n\s*param poolEnrollmentTokens object/);
    expect(apps).toContain("secrets: [{ name: 'enrollment-token', value: poolEnrollmentTokens[pool.name] }]");
    expect(apps).toContain("{ name: 'ENROLLMENT_TOKEN', secretRef: 'enrollment-token' }");
    const main = readFileSync(root("infra/bicep/main.bicep"), "utf8");
    expect(main).toMatch(/@secure\(\)\s*\n\s*@description\([^\n]*\)\s*\n\s*param poolEnrollmentTokens object/);
    expect(main).toContain("poolEnrollmentTokens: poolEnrollmentTokens");
  });
});
