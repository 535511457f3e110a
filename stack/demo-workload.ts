import type { SubmitJobBody } from "../contracts/index.js";

/** The demo's jobs: a third each for the three example pools (by capabilities), mixed priorities. */
export function demoJobs(count: number, runId: string): SubmitJobBody[] {
  const kinds = [
    { capabilities: ["lang:ts"], persona: "frontend engineer" },
    { capabilities: ["lang:py"], persona: "backend engineer" },
    { capabilities: ["gpu"], persona: "ml engineer" },
  ];
  const priorities = ["low", "medium", "medium", "high", "critical"] as const;
  return Array.from({ length: count }, (_, n) => {
    const kind = kinds[n % kinds.length]!;
    return {
      idempotencyKey: `demo-${runId}-${n}`,
      title: `Demo job ${n}`,
      bodyMd: `# Demo job ${n}\n\nImplement the change and its tests (simulated).`,
      persona: kind.persona,
      capabilities: kind.capabilities,
      priority: priorities[n % priorities.length]!,
      deps: [],
      depsMode: "hard",
      kind: "leaf",
    };
  });
}
