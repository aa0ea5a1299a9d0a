/** Knobs of /ws. */
export interface WsOptions {
  path: string;
  /**
   * A socket whose unsent bytes pass this, beyond the latest frame of each channel it listens on
   * (one busy ledger's frame of every payment is megabytes by itself), is closed with 4008. 1 MiB is ~700 payment records,
   * several ledgers of a busy account; a consumer that far behind is better served by resuming
   * from its token (a paged history read) than by the node holding its backlog in memory.
   * diamante_api_ws_slow_consumers_closed_total says how often it bites.
   */
  slowConsumerBytes: number;
  /** uWS's own cap, past which it would drop frames silently: far above the soft limit, never reached first. */
  hardBackpressureBytes: number;
  /** Client frames are small JSON commands. */
  maxMessageBytes: number;
  /** uWS pings an idle socket and closes one that does not answer within this many seconds. */
  idleTimeoutSeconds: number;
  maxSubscriptionsPerSocket: number;
  /** Records per replay frame: Horizon's maximum page size. */
  replayPageSize: number;
  /**
   * Send buffers are also checked on this timer, for sockets that fell behind between ledgers.
   * Every publish is followed by a check of its own, so this is only a safety net: each check
   * asks uWS for the buffered amount of every socket (1,000 sockets checked 4 times a second were
   * ~80% of the checks' cost in the streams bench's profile, ~180 ms of the main thread per
   * 8,000 payments), hence once a second.
   */
  checkIntervalMs: number;
  /**
   * Channels published per event-loop turn when a ledger is fanned out. A ledger with 1,000
   * listened channels is a socket write per subscriber: in one turn that holds the main thread
   * for the whole fan-out right after the close (~40-55 ms a ledger in the streams bench), while
   * submissions wait; the bench's load keeps 256 submissions in flight, so that wait is
   * throughput lost. In slices, submissions and requests run between them; each channel still
   * gets its ledgers whole and in order. Streams bench (1,000 channels and 200 SSE streams), two
   * sets of 4 pairs alternated with the one-turn build: slices of 100 (with SSE slices of 50)
   * committed a median 6,825 payments/s with subscribers against 6,650 (+2.6%), the delivery lag
   * p99 about the same, each ledger's publish ~20 ms longer. A later 8 pairs of this default
   * alone read the same ratio (0.88) as 8 pairs of the one-turn build before them: the gain is at
   * the edge of what the bench resolves. Slices of 25 (SSE 10) measured the same as 100.
   * Number.MAX_SAFE_INTEGER sends every channel in one turn (the shortest publish, for a node
   * whose streams matter more than its submissions).
   */
  fanOutSliceChannels: number;
}

export const defaultWsOptions: WsOptions = {
  path: "/ws",
  slowConsumerBytes: 1024 * 1024,
  hardBackpressureBytes: 64 * 1024 * 1024,
  maxMessageBytes: 4096,
  idleTimeoutSeconds: 60,
  maxSubscriptionsPerSocket: 64,
  replayPageSize: 200,
  checkIntervalMs: 1000,
  fanOutSliceChannels: 100,
};
