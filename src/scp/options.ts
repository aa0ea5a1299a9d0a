/** Tunables of the SCP module. Every default says why it is what it is. */
export interface ScpOptions {
  /**
   * Base of the linear timeout schedule used by `defaultTimeoutMs`: round/counter n waits
   * n × base. 1 s as in stellar-core: a 5-node LAN closes a ledger in well under 1 s, so the
   * first timeout only fires when something is actually wrong.
   */
  timeoutBaseMs: number;
  /**
   * Cap of the timeout schedule. 30 min as in stellar-core: after ~1800 rounds the network is
   * down anyway and a longer wait only delays recovery once peers return.
   */
  timeoutCapMs: number;
  /**
   * Depth limit of the synchronous statement-processing recursion of one slot (a node processes
   * its own statements immediately). A full self-quorum externalization needs about a dozen
   * levels; 50 leaves ample margin and stops a pathological loop before the stack does.
   */
  maxRecursion: number;
}

export const defaultScpOptions: ScpOptions = {
  timeoutBaseMs: 1000,
  timeoutCapMs: 30 * 60 * 1000,
  maxRecursion: 50,
};

/**
 * The draft's timeout rule (nomination round n and ballot counter n both wait linearly longer,
 * so a slow but live quorum eventually overlaps in the same round): n × base, capped.
 */
export function defaultTimeoutMs(round: number, opts: Pick<ScpOptions, "timeoutBaseMs" | "timeoutCapMs"> = defaultScpOptions): number {
  const n = Math.max(1, round);
  return Math.min(n * opts.timeoutBaseMs, opts.timeoutCapMs);
}
