import pino from "pino";
import type { JobDoc } from "../../contracts/index.js";
import { Agent, type AgentLoopConfig } from "../../factory-agent/agent.js";
import { CoordinatorClient } from "../../factory-agent/coordinator-client.js";
import type { CoordinatorPort } from "../../factory-agent/coordinator-port.js";
import { startHeartbeat } from "../../factory-agent/heartbeat.js";
import { leaseKeepingPort } from "./lease-keeping-port.js";
import { SimAgentBroker } from "./sim-agent-broker.js";
import { SimCoordinatorTransport } from "./sim-coordinator-transport.js";
import { SimProcess } from "./sim-process.js";
import type { SimWorld } from "./sim-world.js";
import { SimulatedEngine } from "./simulated-engine.js";

const silent = pino({ level: "silent" });
const HEARTBEAT_MS = 15_000;
/** The pool's lease (topology), for how long a pause must last to outlive it. */
const LEASE_MS = 10_000;

/**
 * One factory container of the simulated pool: the shipped `Agent` (with its real attempt runner,
 * coordinator client and heartbeat) in a simulated process, one-shot as a KEDA ScaledJob starts it.
 * Its clock is skewed from the coordinator's in offset and rate; in the fault phase each accepted
 * attempt may befall kill -9, a pause past the lease, or a SIGTERM drain.
 */
export class SimFactory {
  readonly process: SimProcess;
  private readonly agent: Agent;
  private readonly world: SimWorld;

  constructor(world: SimWorld, id: string) {
    this.world = world;
    const { maxClockSkewMs, maxClockDrift } = world.plan;
    const offsetMs = maxClockSkewMs === 0 ? 0 : world.random.int(-maxClockSkewMs, maxClockSkewMs);
    const rate = maxClockDrift === 0 ? 1 : 1 - maxClockDrift + world.random.next() * 2 * maxClockDrift;
    if (rate !== 1) world.count(rate < 1 ? "agent-clock-slow" : "agent-clock-fast");
    this.process = new SimProcess(id, world.loop, world.clock, { offsetMs, rate });
    const random = () => world.random.next();
    const transport = new SimCoordinatorTransport(world, this.process, (job) => this.accepted(job));
    const client: CoordinatorPort = new CoordinatorClient({ transport, clock: this.process.clock, timers: this.process, random });
    const config: AgentLoopConfig = {
      pool: "general",
      topic: world.topology.topic,
      subscription: "general",
      mode: "one-shot",
      seats: 1,
      idleTimeoutMs: 5000,
      workDir: ".tmp/sim",
      defaultWallMs: 3_600_000,
    };
    this.agent = new Agent(config, {
      broker: new SimAgentBroker(world, this.process),
      client: world.bug === "ignore-lost-lease" ? leaseKeepingPort(client) : client,
      engine: new SimulatedEngine(world, id, (job, epoch) => this.die("poison-crash", { jobId: job.id, epoch })),
      logger: silent,
      clock: this.process.clock,
      timers: this.process,
      random,
    });
    // A draining pool tells its agents with the heartbeat: finish what they hold, then exit.
    const stopHeartbeat = startHeartbeat(client, HEARTBEAT_MS, () => ({ load: this.agent.stats().running, seats: 1 }), silent, this.process, () => this.agent.finishAndExit());
    void this.agent.run().then(
      () => {
        stopHeartbeat();
        this.process.exit();
      },
      (error: unknown) => world.loop.errors.push(error),
    );
  }

  get alive(): boolean {
    return this.process.alive;
  }

  /** The coordinator accepted this agent's accept: draw what befalls the attempt. */
  private accepted(job: JobDoc): void {
    const { world } = this;
    const { random, plan, loop } = world;
    if (!world.inFaultPhase() || (job.bodyMd.includes("sim:poison") && !world.poisonFixed)) return;
    const on = { jobId: job.id, epoch: job.leaseEpoch };
    if (random.chance(plan.agentKillRate)) {
      loop.after(random.int(100, 6000), () => this.die("agent-kill", on));
    } else if (random.chance(plan.agentPauseRate)) {
      loop.after(random.int(100, 3000), () => {
        if (this.process.state !== "running") return;
        this.process.pause();
        world.history.instant({ kind: "fault", fault: "agent-pause", actor: this.process.id, ...on });
        loop.after(LEASE_MS * 2 + random.int(0, 5000), () => {
          this.process.resume();
          world.history.instant({ kind: "fault", fault: "agent-resume", actor: this.process.id, ...on });
        });
      });
    } else if (random.chance(plan.agentDrainRate)) {
      loop.after(random.int(100, 5900), () => {
        if (this.process.state !== "running") return;
        world.history.instant({ kind: "fault", fault: "agent-drain", actor: this.process.id, ...on });
        void this.agent.drain();
      });
    }
  }

  private die(fault: "agent-kill" | "poison-crash", on?: { jobId: string; epoch: number }): void {
    if (!this.process.alive) return;
    this.process.kill();
    this.world.history.instant({ kind: "fault", fault, actor: this.process.id, ...on });
  }
}
