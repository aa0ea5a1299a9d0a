/**
 * Per-URL cache of GET responses. Ledger state only changes when a ledger closes, so a response
 * computed between two closes stays exact until the next one: the cache is cleared at each close
 * instead of expiring entries on a timer.
 */
import type {Reply} from "./routes/context.js";

export class ResponseCache {
  private readonly entries = new Map<string, Reply>();
  private currentEpoch = 0;
  private hitCount = 0;
  private missCount = 0;

  constructor(private readonly maxEntries: number) {}

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

  /** Stores `reply` if no ledger closed since `epoch`; evicts the oldest entry when full. */
  set(key: string, epoch: number, reply: Reply): void {
    if (epoch !== this.currentEpoch || this.maxEntries <= 0) return;
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
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
