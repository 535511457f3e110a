/**
 * What a leader's components ask before they act: whether this replica holds the leadership lease
 * right now (by its own clock), and under which epoch. Followers never build the components that
 * ask; a deposed leader's components find the gate closed and do nothing.
 */
export interface LeaderGate {
  holds(): boolean;
  /** The epoch held; undefined while not leading. */
  epoch(): number | undefined;
}

/** The error text a gated write fails with (the caller retries on the new leader). */
export function notLeaderMessage(what: string): string {
  return `${what} refused: this coordinator replica does not hold the leadership lease (it lapsed or another replica took over); retry, the request will reach the leader`;
}
