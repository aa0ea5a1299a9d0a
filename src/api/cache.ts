/**
 * Per-URL cache of GET responses. Ledger state only changes when a ledger closes, so a response
 * computed between two closes stays exact until the next one: the cache is cleared at each close
 * instead of expiring entries on a timer.
 */
import type {Reply} from "./routes/context.js";
import {TwoGenerationMap} from "../util/two-generation-map.js";

export class ResponseCache {
  /** Past the bound the older half goes (util/two-generation-map.ts: O(1) per insert). */
  private readonly entries: TwoGenerationMap<string, Reply>;
  private currentEpoch = 0;
  private hitCount = 0;
  private missCount = 0;

  constructor(private readonly maxEntries: number) {
    this.entries = new TwoGenerationMap(Math.max(1, maxEntries));
  }

  /** Bumped at every clear; a response computed in an older epoch is never stored. */
  get epoch(): number {
    return this.currentEpoch;
  }

  get(key: string): Reply | undefined {
    const reply = this.entries.get(key);
    if (reply === undefined) this.missCount++;
    else this.hitCount++;
    return reply;
  }

  /** Stores `reply` if no ledger closed since `epoch`; forgets the oldest entries when full. */
  set(key: string, epoch: number, reply: Reply): void {
    if (epoch !== this.currentEpoch || this.maxEntries <= 0) return;
    this.entries.set(key, reply);
  }

  clear(): void {
    this.currentEpoch++;
    this.entries.clear();
  }

  stats(): {entries: number; hits: number; misses: number} {
    return {entries: this.entries.size, hits: this.hitCount, misses: this.missCount};
  }
}
