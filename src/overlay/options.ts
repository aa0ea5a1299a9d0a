export interface OverlayOptions {
  /** Address the peer listener binds. Loopback unless the operator opens the node to other hosts. */
  host: string;
  /** Peer port; 0 picks a free one (tests), read it back from `TcpOverlay.port`. */
  port: number;
  /** Peers this node dials and keeps dialing ("host:port"). */
  peers: string[];
  maxInbound: number;
  maxOutbound: number;
  /** Largest frame accepted or sent, length prefix excluded. */
  maxFrameBytes: number;
  /** Bytes waiting in one peer's socket above which flooded txs to it are dropped. */
  maxQueueBytes: number;
  /** Bytes waiting in one peer's socket above which the peer is disconnected as too slow. */
  maxQueueBytesHard: number;
  /** A connection must finish the handshake within this time. */
  handshakeTimeoutMs: number;
  /** First reconnect delay to a configured peer; doubles per failed attempt. */
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** Flood records kept for dedupe (oldest evicted first). */
  floodMaxEntries: number;
  /** A flood record older than this is forgotten. */
  floodMaxAgeMs: number;
  /** Tx hashes queued for a peer are sent as one tx_advert at most this long after the first (stellar-core's FLOOD_ADVERT_PERIOD_MS). */
  advertPeriodMs: number;
  /** How often adverted hashes are demanded (stellar-core's FLOOD_DEMAND_PERIOD_MS). */
  demandPeriodMs: number;
  /** A demand not answered is asked of another advertiser after attempts × this, at most 2 s (FLOOD_DEMAND_BACKOFF_DELAY_MS). */
  demandBackoffMs: number;
  /** Hashes adverted by one peer and not yet demanded; past this the oldest are dropped. */
  maxAdvertsPerPeer: number;
  /** Bodies of accepted txs kept to answer demands (oldest forgotten first). */
  maxHeldBodies: number;
}

export const defaultOverlayOptions: OverlayOptions = {
  /** Loopback: a node is reachable from other hosts only when its operator says so. */
  host: "127.0.0.1",
  /** 11625, stellar-core's PEER_PORT. */
  port: 11625,
  peers: [],
  /** 64 inbound, stellar-core's MAX_ADDITIONAL_PEER_CONNECTIONS default order of magnitude. */
  maxInbound: 64,
  /** 8 outbound, as stellar-core's TARGET_PEER_CONNECTIONS: enough paths for floods, few sockets. */
  maxOutbound: 8,
  /**
   * 16 MiB: a full tx set (maxTxSetSize 5000 envelopes of ≤ 2 KiB) or a batch of catch-up
   * ledgers fits; more from a peer is an attack on memory, not a message.
   */
  maxFrameBytes: 16 * 1024 * 1024,
  /** 4 MiB: about 2 s of a 1 s-ledger network at 3,500 tx/s of ~600-byte envelopes. */
  maxQueueBytes: 4 * 1024 * 1024,
  /** 32 MiB: twice the largest frame; a peer this far behind cannot follow consensus anyway. */
  maxQueueBytesHard: 32 * 1024 * 1024,
  /** 5 s: two round trips take milliseconds even across continents. */
  handshakeTimeoutMs: 5000,
  /** 250 ms doubling to 30 s: a restarted peer is found within a second; a dead one costs little. */
  reconnectBaseMs: 250,
  reconnectMaxMs: 30_000,
  /** 200k records × (32-byte key + a few peer ids) stays under ~50 MB. */
  floodMaxEntries: 200_000,
  /** 2 min: many ledgers; a message older than that is stale and no longer flooded anyway. */
  floodMaxAgeMs: 120_000,
  /**
   * 50 ms: stellar-core's 100 ms is for 5 s ledgers; with 1 s ledgers a tx must cross a hop well
   * within a ledger, and at 3,500 tx/s an advert still carries ~175 hashes.
   */
  advertPeriodMs: 50,
  /** 50 ms, for the same reason (stellar-core: 200 ms). */
  demandPeriodMs: 50,
  /** 500 ms, stellar-core's: far above a loopback or LAN round trip, short against a ledger's txs. */
  demandBackoffMs: 500,
  /** 10,000: two ledgers of stellar-core's default 5,000-op tx sets; 32 bytes each, 320 KB a peer. */
  maxAdvertsPerPeer: 10_000,
  /** 50,000: ~14 s of 3,500 tx/s; demands come within a second (the bodies are the queue's own buffers). */
  maxHeldBodies: 50_000,
};
