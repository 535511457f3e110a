import { getContainerRuntimeClient } from "testcontainers";

/**
 * Whether a Docker engine (or another runtime testcontainers knows) answers here. The emulator
 * suites run only where one does, and otherwise say why they are skipped.
 */
export async function containerRuntime(): Promise<{ available: true } | { available: false; reason: string }> {
  try {
    await getContainerRuntimeClient();
    return { available: true };
  } catch (error) {
    return { available: false, reason: `no container runtime (${error instanceof Error ? error.message : String(error)}; start Docker or set DOCKER_HOST)` };
  }
}
