import { GenericContainer, Network, type StartedNetwork, type StartedTestContainer, Wait } from "testcontainers";

/** Microsoft's Service Bus emulator and the SQL Server it keeps its state in. */
export const SERVICE_BUS_EMULATOR_IMAGE = process.env.FLEET_SERVICEBUS_EMULATOR_IMAGE ?? "mcr.microsoft.com/azure-messaging/servicebus-emulator:latest";
export const MSSQL_IMAGE = process.env.FLEET_MSSQL_IMAGE ?? "mcr.microsoft.com/mssql/server:2022-CU14-ubuntu-22.04";

const AMQP_PORT = 5672;
/** The emulator's management and health endpoint (its administration client API). */
const MANAGEMENT_PORT = 5300;
const MSSQL_PASSWORD = "Fleet-Emulator-1!";

/** No entities declared: every test creates its own topic through the administration client. */
const CONFIG = JSON.stringify({
  UserConfig: { Namespaces: [{ Name: "sbemulatorns", Queues: [], Topics: [] }], Logging: { Type: "File" } },
});

export interface RunningServiceBusEmulator {
  /** For the SDK's messaging client (AMQP). */
  connectionString: string;
  /** For the administration client (the management port). */
  administrationConnectionString: string;
  stop(): Promise<void>;
}

/**
 * Starts SQL Server and the Service Bus emulator on their own network with GenericContainer,
 * accepting both licences (running this suite means accepting them: see the images' pages).
 */
export async function startServiceBusEmulator(): Promise<RunningServiceBusEmulator> {
  const network: StartedNetwork = await new Network().start();
  const sql: StartedTestContainer = await new GenericContainer(MSSQL_IMAGE)
    .withNetwork(network)
    .withNetworkAliases("mssql")
    .withEnvironment({ ACCEPT_EULA: "Y", MSSQL_SA_PASSWORD: MSSQL_PASSWORD })
    .withWaitStrategy(Wait.forLogMessage(/Recovery is complete/).withStartupTimeout(180_000))
    .start();
  const emulator: StartedTestContainer = await new GenericContainer(SERVICE_BUS_EMULATOR_IMAGE)
    .withNetwork(network)
    .withExposedPorts(AMQP_PORT, MANAGEMENT_PORT)
    .withEnvironment({ ACCEPT_EULA: "Y", SQL_SERVER: "mssql", MSSQL_SA_PASSWORD: MSSQL_PASSWORD, SQL_WAIT_INTERVAL: "0" })
    .withCopyContentToContainer([{ content: CONFIG, target: "/ServiceBus_Emulator/ConfigFiles/Config.json", mode: 0o644 }])
    .withWaitStrategy(Wait.forHttp("/health", MANAGEMENT_PORT).forStatusCode(200).withStartupTimeout(180_000))
    .start();
  const endpoint = (port: number) => `Endpoint=sb://${emulator.getHost()}:${emulator.getMappedPort(port)};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`;
  return {
    connectionString: endpoint(AMQP_PORT),
    administrationConnectionString: endpoint(MANAGEMENT_PORT),
    stop: async () => {
      await emulator.stop();
      await sql.stop();
      await network.stop();
    },
  };
}
