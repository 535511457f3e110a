import { afterAll, beforeAll, expect } from "vitest";

/**
 * Handle kinds a test file must not leave behind: servers, sockets, child processes, timers, file
 * watchers. (Pipes are not watched: the worker's own stdout becomes an active pipe the first time
 * a test writes to it; a child process's pipes go with its ProcessWrap.)
 */
const WATCHED = new Set(["TCPServerWrap", "TCPSocketWrap", "ProcessWrap", "Timeout", "FSEventWrap", "UDPWrap"]);

function census(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) if (WATCHED.has(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

let baseline = new Map<string, number>();
beforeAll(() => {
  baseline = census();
});

/** Fails a test file that leaves a server, socket, child process or timer running after its last test. */
afterAll(async () => {
  // Let closed handles finish closing (a socket's close is asynchronous).
  let leaked: string[] = [];
  for (let attempt = 0; attempt < 40; attempt++) {
    const now = census();
    leaked = [...now].filter(([kind, n]) => n > (baseline.get(kind) ?? 0)).map(([kind, n]) => `${kind} x${n - (baseline.get(kind) ?? 0)}`);
    if (leaked.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${expect.getState().testPath ?? "this test file"} left handles open after its last test: ${leaked.join(", ")} (close every server, socket, child process and timer it started)`);
});
