/**
 * Bugs the simulator can plant, one per invariant family, to prove the history checker catches
 * each (`npm test` runs every one on a few seeds and asserts the checker names the invariant).
 * Each is a wrong piece of wiring or a lying component in the simulated world; none exists in
 * the product.
 */
export const PLANTED_BUGS = {
  /** A zombie whose release was fenced forces its result in anyway (stale-write). */
  "fencing-disabled": "a fenced worker's release is forced into the store",
  /** A second factory accepting an epoch already bound to another is let in (concurrent-execution). */
  "double-accept": "the coordinator lets a second factory accept an epoch already accepted",
  /** The relay publishes an assignment before its write commits (publish-without-commit). */
  "publish-before-commit": "the relay publishes an assignment before the write that commits it",
  /** After a restart, queued jobs come back at epoch 0 (epoch-regression). */
  "forget-epochs": "a restarted coordinator forgets the epochs of queued jobs",
  /** After a restart, running jobs come back as queued and are assigned again (illegal-transition). */
  "rebuild-running-as-queued": "a restarted coordinator rebuilds running jobs as queued",
  /** The agent treats a lost lease as kept and works on (stalled-worker-kept-working). */
  "ignore-lost-lease": "the agent ignores a lost lease and keeps working",
  /** The dead-letter monitor reads the live subscription instead of its dead-letter queue (healthy-dead-lettered). */
  "monitor-reads-live-queue": "the dead-letter monitor dead-letters live assignments",
  /** The operator's replay runs again from a stale list after the replayed jobs finished (replay-not-once). */
  "replay-twice": "a replay runs a second time from a stale dead-letter list",
  /** After a restart, paused products and pools come back open (assigned-while-paused). */
  "forget-pauses-on-restart": "a restarted coordinator forgets the pauses of products and pools",
  /** After a restart, the spend rebuilt misses what jobs had accrued (spend-mismatch). */
  "forget-spend-on-restart": "a restarted coordinator rebuilds the spend without what the jobs recorded",
  /** After a restart, delayed jobs are ready at once (assigned-before-not-before). */
  "forget-not-before-on-restart": "a restarted coordinator forgets the notBefore of queued jobs",
  /** After a restart, each schedule resumes one occurrence late (schedule-occurrence-skipped). */
  "schedule-skips-after-restart": "a restarted coordinator moves every schedule one occurrence on",
  /** A preempted job is requeued without its victim's checkpoint (checkpoint-lost). */
  "preemption-drops-checkpoint": "a preempted job is requeued without the checkpoint its holder handed back",
} as const;

export type PlantedBug = keyof typeof PLANTED_BUGS;

export function isPlantedBug(name: string): name is PlantedBug {
  return Object.hasOwn(PLANTED_BUGS, name);
}
