import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ScaledJob } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadTopology, parseTopology } from "../contracts/topology-file.js";
import { formatIsoDuration } from "../contracts/iso-duration.js";
import { subscriptionNameFor } from "../contracts/index.js";
import { buildBicepParameters } from "../infra/bicep/parameters.js";
import { buildKedaManifests } from "../keda/manifests.js";
import { DEFAULT_MANIFEST_OPTIONS, renderGeneratedFiles } from "../scripts/generated-files.js";

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const topology = loadTopology();

describe("generated files", () => {
  it("are up to date with topology/fleet.yaml (run `npm run generate` when this fails)", () => {
    for (const [path, content] of renderGeneratedFiles(topology)) expect(readFileSync(root(path), "utf8"), path).toBe(content);
    const committed = readdirSync(root("keda/generated"));
    expect(committed.sort()).toEqual(topology.pools.map((p) => `${p.name}.yaml`).sort());
  });

  it("would be reported stale after a topology change", () => {
    const changed = { ...topology, pools: topology.pools.map((p, i) => (i === 0 ? { ...p, maxReplicas: p.maxReplicas + 1 } : p)) };
    const stale = [...renderGeneratedFiles(changed)].filter(([path, content]) => readFileSync(root(path), "utf8") !== content).map(([path]) => path);
    expect(stale).toEqual([`keda/generated/${topology.pools[0]!.name}.yaml`, "infra/bicep/generated/main.parameters.json"]);
  });

  it("agree across the topology, the Bicep parameters and the KEDA manifests", () => {
    const params = JSON.parse(readFileSync(root("infra/bicep/generated/main.parameters.json"), "utf8")).parameters;
    expect(params.topicName.value).toBe(topology.topic);
    expect(params.duplicateDetectionWindow.value).toBe(formatIsoDuration(topology.duplicateDetectionWindowSeconds * 1000));
    for (const pool of topology.pools) {
      const bicep = params.pools.value.find((p: { name: string }) => p.name === pool.name);
      expect(bicep).toMatchObject({
        subscriptionName: subscriptionNameFor(pool.name),
        filterPool: pool.name,
        lockDuration: formatIsoDuration(pool.lockDurationSeconds * 1000),
        maxDeliveryCount: pool.maxDeliveryCount,
        messageCount: pool.messageCount,
        activationMessageCount: pool.activationMessageCount,
        minReplicas: pool.minReplicas,
        maxReplicas: pool.maxReplicas,
        pollingInterval: pool.pollingIntervalSeconds,
      });
      const docs = parseAllDocuments(readFileSync(root(`keda/generated/${pool.name}.yaml`), "utf8")).map((d) => d.toJS());
      const scaled = docs.find((d) => d.kind === (pool.workload === "scaledJob" ? "ScaledJob" : "ScaledObject"));
      expect(scaled.spec).toMatchObject({ minReplicaCount: pool.minReplicas, maxReplicaCount: pool.maxReplicas, pollingInterval: pool.pollingIntervalSeconds });
      const trigger = scaled.spec.triggers[0];
      if (pool.trigger === "external-push") {
        expect(trigger).toMatchObject({ type: "external-push", metadata: { pool: pool.name } });
      } else {
        expect(trigger).toMatchObject({
          type: "azure-servicebus",
          metadata: {
            topicName: topology.topic,
            subscriptionName: bicep.subscriptionName,
            messageCount: String(pool.messageCount),
            activationMessageCount: String(pool.activationMessageCount),
          },
        });
      }
      if (pool.workload === "scaledJob") expect(scaled.spec.scalingStrategy.strategy).toBe(pool.scalingStrategy);
      else expect(scaled.spec.cooldownPeriod).toBe(pool.cooldownSeconds);
    }
  });

  it("validates every KEDA object, and a broken one is refused", () => {
    expect(() => buildKedaManifests(topology, DEFAULT_MANIFEST_OPTIONS)).not.toThrow();
    const broken = new ScaledJob({ metadata: { name: "x" }, spec: { jobTargetRef: { template: {} }, triggers: [{ type: "azure-servicebus", metadata: { x: 1 as unknown as string } }] } });
    expect(() => broken.validate()).toThrow();
  });

  it("rejects a topology that would generate invalid resources", () => {
    expect(() => parseTopology({ pools: [{ name: "Bad_Name", capabilities: ["x"], image: "i", seats: 1, maxReplicas: 1, workload: "scaledJob" }] })).toThrow(/pools.0.name/);
  });
});

describe("npm run generate", () => {
  const generate = (args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", root("scripts/generate.ts"), ...args], { encoding: "utf8", timeout: 20_000 });

  it("checks the committed files with --check, prints its options on --help, and exits 2 on bad usage", () => {
    const check = generate(["--check"]);
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain("generated files are up to date");
    const help = generate(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^ {2}--check /m);
    expect(help.stdout).not.toContain("wrote ");
    const bad = generate(["--chek"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("'--chek'");
    expect(bad.stdout).toBe("");
  }, 60_000);
});

describe("the Service Bus namespace KEDA scales on", () => {
  const params = JSON.parse(readFileSync(root("infra/bicep/generated/main.parameters.json"), "utf8")).parameters;
  const bicep = (file: string) => readFileSync(root(`infra/bicep/${file}`), "utf8");

  it("is the namespace name, never its host: KEDA appends the cloud's endpoint suffix itself", () => {
    const name = params.serviceBusNamespaceName?.value;
    // Azure's naming rule for a namespace: 6-50 letters, digits and hyphens, starting with a letter.
    expect(name).toMatch(/^[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]$/);
    const stock = topology.pools.filter((pool) => pool.trigger === "azure-servicebus");
    expect(stock.length).toBeGreaterThan(0);
    for (const pool of topology.pools) {
      const docs = parseAllDocuments(readFileSync(root(`keda/generated/${pool.name}.yaml`), "utf8")).map((d) => d.toJS());
      const scaled = docs.find((d) => d.kind === "ScaledJob" || d.kind === "ScaledObject");
      const podSpec = pool.workload === "scaledJob" ? scaled.spec.jobTargetRef.template.spec : docs.find((d) => d.kind === "Deployment").spec.template.spec;
      // The agent's SDK takes the fully qualified host; the scaler takes the name.
      expect(podSpec.containers[0].env).toContainEqual({ name: "SERVICEBUS_NAMESPACE", value: `${name}.servicebus.windows.net` });
      if (pool.trigger !== "azure-servicebus") continue;
      const metadata = scaled.spec.triggers[0].metadata;
      expect(metadata.namespace, pool.name).not.toContain(".");
      expect(metadata.namespace, pool.name).toBe(name);
      // Public cloud: KEDA's default suffix (servicebus.windows.net) applies, so no `cloud` is set.
      expect(metadata, pool.name).not.toHaveProperty("cloud");
    }
  });

  it("is the Bicep's namespace name parameter in every Container Apps scale rule", () => {
    const main = bicep("main.bicep");
    expect(main).toMatch(/^param serviceBusNamespaceName string/m);
    const serviceBusModule = main.match(/^module serviceBus '[^']+' = \{[\s\S]*?^\}/m)?.[0] ?? "";
    expect(serviceBusModule).toMatch(/^\s+name: serviceBusNamespaceName$/m);
    expect(bicep("modules/servicebus.bicep")).toMatch(/^output name string = namespace\.name$/m);
    const containerAppsModule = main.match(/^module containerApps '[^']+' = [^{]*\{[\s\S]*?^\}/m)?.[0] ?? "";
    expect(containerAppsModule).toMatch(/^\s+serviceBusNamespaceName: serviceBus\.outputs\.name$/m);
    const containerApps = bicep("modules/container-apps.bicep");
    expect(containerApps).toMatch(/^param serviceBusNamespaceName string$/m);
    const rules = [...containerApps.matchAll(/type: 'azure-servicebus'\s+metadata: \{([^}]*)\}/g)];
    expect(rules.length).toBeGreaterThan(0);
    for (const [, metadata] of rules) expect(metadata!.match(/^\s*namespace: (\S+)$/m)?.[1]).toBe("serviceBusNamespaceName");
  });
});

describe("Bicep modules", () => {
  const files = ["main.bicep", ...readdirSync(root("infra/bicep/modules")).map((f) => `modules/${f}`)];
  const ALLOWED = new Set([
    "Microsoft.ServiceBus/namespaces@2022-10-01-preview",
    "Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview",
    "Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview",
    "Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2022-10-01-preview",
    "Microsoft.DocumentDB/databaseAccounts@2024-05-15",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15",
    "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15",
    "Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31",
    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31",
    "Microsoft.Authorization/roleAssignments@2022-04-01",
    "Microsoft.OperationalInsights/workspaces@2023-09-01",
    "Microsoft.App/managedEnvironments@2024-03-01",
    "Microsoft.App/containerApps@2024-03-01",
    "Microsoft.App/jobs@2024-03-01",
    "Microsoft.ContainerService/managedClusters@2024-02-01",
    "Microsoft.Storage/storageAccounts@2023-05-01",
    "Microsoft.Storage/storageAccounts/blobServices@2023-05-01",
    "Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01",
    "Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01",
  ]);

  it("declare every resource with an explicit, documented API version", () => {
    for (const file of files) {
      const text = readFileSync(root(`infra/bicep/${file}`), "utf8");
      for (const match of text.matchAll(/^resource \S+ '([^']+)'/gm)) expect(ALLOWED, `${file}: ${match[1]}`).toContain(match[1]);
    }
  });

  it("grant no broad roles (Owner, Contributor, User Access Administrator)", () => {
    const broad = ["8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"];
    for (const file of files) {
      const text = readFileSync(root(`infra/bicep/${file}`), "utf8");
      for (const id of broad) expect(text, file).not.toContain(id);
    }
  });

  it("take the generated parameters main.bicep declares", () => {
    const main = readFileSync(root("infra/bicep/main.bicep"), "utf8");
    for (const name of Object.keys(buildBicepParameters(topology, { serviceBusNamespaceName: DEFAULT_MANIFEST_OPTIONS.serviceBusNamespaceName }).parameters)) expect(main).toMatch(new RegExp(`^param ${name} `, "m"));
  });
});
