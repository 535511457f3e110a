import { createServer } from "node:net";
import { GenericContainer, type StartedTestContainer, Wait } from "testcontainers";

/** Microsoft's Linux Cosmos DB emulator (the vNext image), which speaks plain HTTP when told to. */
export const COSMOS_EMULATOR_IMAGE = process.env.FLEET_COSMOS_EMULATOR_IMAGE ?? "mcr.microsoft.com/cosmosdb/linux/azure-cosmos-emulator:vnext-preview";
/** The emulator's well-known account key. */
export const COSMOS_EMULATOR_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

export interface RunningCosmosEmulator {
  endpoint: string;
  key: string;
  stop(): Promise<void>;
}

/**
 * Starts the emulator with GenericContainer: the port it listens on inside the container must be
 * the one published on the host (it puts its own address in the account's endpoints), so a free
 * host port is picked first and used on both sides.
 */
export async function startCosmosEmulator(): Promise<RunningCosmosEmulator> {
  const port = await freePort();
  const container: StartedTestContainer = await new GenericContainer(COSMOS_EMULATOR_IMAGE)
    .withExposedPorts({ host: port, container: port })
    .withEnvironment({ PROTOCOL: "http", PORT: String(port), ENABLE_TELEMETRY: "false", ENABLE_EXPLORER: "false" })
    .withWaitStrategy(Wait.forLogMessage("Now listening on: "))
    .withStartupTimeout(180_000)
    .start();
  return {
    endpoint: `http://${container.getHost()}:${port}`,
    key: COSMOS_EMULATOR_KEY,
    stop: async () => {
      await container.stop();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no free port"))));
    });
  });
}
