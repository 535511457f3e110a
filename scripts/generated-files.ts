import type { Topology } from "../contracts/index.js";
import { buildBicepParameters } from "../infra/bicep/parameters.js";
import { buildKedaManifests, type KedaManifestOptions } from "../keda/manifests.js";
import { renderManifests } from "../keda/render-yaml.js";

/** Deployment-time values baked into the committed manifests; replace them at deploy time with the
 * Bicep outputs (kustomize or envsubst), see keda/README.md. */
const placeholder = (name: string) => `\${${name}}`;

export const DEFAULT_MANIFEST_OPTIONS: KedaManifestOptions = {
  namespace: "fleet",
  coordinatorScalerAddress: "fleet-coordinator.fleet.svc:9090",
  // One name for the Bicep parameter and KEDA's triggers; namespace names are globally unique, so
  // a deployment of its own changes it here and runs `npm run generate`.
  serviceBusNamespaceName: "fleet-dispatch",
  identityClientId: (pool) => placeholder(`POOL_${pool.toUpperCase().replace(/-/g, "_")}_CLIENT_ID`),
  scalerClientId: placeholder("SCALER_CLIENT_ID"),
  coordinatorUrl: "http://fleet-coordinator.fleet.svc:8080",
};

/** Every generated file, by path relative to the repository root. */
export function renderGeneratedFiles(topology: Topology, options: KedaManifestOptions = DEFAULT_MANIFEST_OPTIONS): Map<string, string> {
  const files = new Map<string, string>();
  const source = "topology/fleet.yaml";
  for (const pool of topology.pools) {
    const manifests = buildKedaManifests({ ...topology, pools: [pool] }, options);
    files.set(`keda/generated/${pool.name}.yaml`, renderManifests(manifests, source));
  }
  files.set("infra/bicep/generated/main.parameters.json", `${JSON.stringify(buildBicepParameters(topology, { serviceBusNamespaceName: options.serviceBusNamespaceName }), null, 2)}\n`);
  return files;
}
