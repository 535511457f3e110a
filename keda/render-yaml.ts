import { stringify } from "yaml";
import type { Manifest } from "./manifests.js";

/** Multi-document YAML with a header saying where it comes from. */
export function renderManifests(manifests: readonly Manifest[], source: string): string {
  const header = `# Generated from ${source} by \`npm run generate\`; do not edit.\n`;
  return header + manifests.map((m) => stringify(m, { lineWidth: 0, sortMapEntries: false })).join("---\n");
}
