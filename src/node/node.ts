/**
 * One Node wires the subsystems in dependency order (store → metrics → verifier → herder/SCP →
 * API) and stops them in reverse. Only the CLI and tests construct it.
 */
import {join} from "node:path";
import {AtomicFileWriter} from "../util/atomic-file.js";
import {pino, type Logger} from "pino";
import {LedgerStore, networkMetaOf, type NetworkMeta} from "../store/ledger-store.js";
import {StoreError, StoreErrorCode} from "../store/errors.js";
import {ScpStateStore} from "../store/scp-state-repo.js";
import {createMetrics, type Metrics} from "../metrics/metrics.js";
import {InThreadVerifier} from "../verify/in-thread.js";
import {niceThreadsNamed} from "../util/thread-priority.js";
import {VerifyPool} from "../verify/pool.js";
import type {SignatureVerifier} from "../verify/interface.js";
import {InThreadPathFinder, type PathFinder} from "../dex/paths-finder.js";
import {PathPool} from "../dex/paths-pool.js";
import {PathListener} from "../dex/paths-listener.js";
import {defaultPathFinderOptions} from "../dex/paths-options.js";
import {Herder} from "../herder/herder.js";
import {Consensus} from "../herder/consensus.js";
import {RootFriendbot} from "../herder/friendbot.js";
import {ApiServer} from "../api/server.js";
import {WsHub} from "../api/ws/hub.js";
import {Dashboard, quorumHealth} from "../dashboard/index.js";
import type {NodeStatus as DashboardNode} from "../dashboard/interface.js";
import type {QuorumSet} from "../scp/types.js";
import {LedgerFeed} from "../api/stream/feed.js";
import {networkConfig} from "../ledger/options.js";
import {genesisLedger, rootKeypair} from "../ledger/genesis.js";
import {entryKey, type NetworkConfig} from "../ledger/types.js";
import {checkQuorumSetSanity, singletonQuorumSet} from "../scp/quorum.js";
import {HerderNetwork} from "../herder/network.js";
import {PeerCatchUp} from "../herder/catchup.js";
import {HerderError, HerderErrorCode} from "../herder/errors.js";
import type {Overlay} from "../overlay/interface.js";
import {NodeKey} from "../util/node-key.js";
import {LedgerManager} from "../herder/ledger-manager.js";
import {LedgerEvents} from "../herder/events.js";
import {archiveFromConfig, canPublish, type HistoryArchive} from "../history/archive.js";
import {HistoryPublisher} from "../history/publisher.js";
import {ArchiveReader, catchupFromArchive} from "../history/catchup-archive.js";
import {HistoryError, HistoryErrorCode} from "../history/errors.js";
import {defaultNodeOptions, type GenesisOptions, type NodeOptions} from "./options.js";

export const VERSION = "diamante-0.1.0";

/** One node's state as `diamante network status` reports it (status.json in its data folder). */
export interface NodeStatus {
  pid: number;
  node: string;
  validator: boolean;
  api: string;
  peerPort: number | null;
  ledger: number;
  hash: string;
  phase: string;
  peers: string[];
  updatedAt: string;
}

/** Creates the network in `dataDir` unless it already holds one; returns what it holds. */
export function initNetwork(dataDir: string, g: Partial<GenesisOptions> = {}): NetworkMeta {
  const store = new LedgerStore({dir: dataDir});
  try {
    if (store.isInitialized()) {
      const meta = store.networkMeta();
      if (g.passphrase !== undefined && g.passphrase !== meta.passphrase) {
        throw new StoreError(StoreErrorCode.NETWORK_MISMATCH, `data folder ${dataDir} holds network "${meta.passphrase}", not "${g.passphrase}"`, {
          dataDir,
          stored: meta.passphrase,
          asked: g.passphrase,
        });
      }
      return meta;
    }
    const config = networkConfig(g.passphrase, {
      baseFee: g.baseFee,
      baseReserve: g.baseReserve,
      maxTxSetSize: g.maxTxSetSize,
    });
    const genesis = genesisLedger(config, g.totalCoins ?? defaultNodeOptions.genesis.totalCoins);
    const meta = networkMetaOf(config, genesis.header);
    store.initialize(meta, genesis.header, genesis.entries, entryKey);
    return meta;
  } finally {
    void store.close();
  }
}

export function configOf(meta: NetworkMeta): NetworkConfig {
  return networkConfig(meta.passphrase, {
    baseFee: meta.baseFee,
    baseReserve: meta.baseReserve,
    maxTxSetSize: meta.maxTxSetSize,
    protocolVersion: meta.protocolVersion,
  });
}

export class Node {
  readonly opts: NodeOptions;
  readonly log: Logger;
  readonly metrics: Metrics;
  store!: LedgerStore;
  herder!: Herder;
  consensus!: Consensus;
  /** A validator's latest SCP statements per slot (scp-state-repo.ts); none for a standalone node or a watcher. */
  private scpState: ScpStateStore | undefined;
  api!: ApiServer;
  dashboard!: Dashboard;
  ws!: WsHub;
  /** Each closed ledger's records as Horizon JSON, for the streams (SSE, WebSocket). */
  feed!: LedgerFeed;
  config!: NetworkConfig;
  nodeKey!: NodeKey;
  overlay: Overlay | null = null;
  network: HerderNetwork | null = null;
  catchUp: PeerCatchUp | null = null;
  /** Publishes checkpoints when this validator's config names a writable archive. */
  publisher: HistoryPublisher | null = null;
  private verifier!: SignatureVerifier;
  private paths!: PathFinder;
  /** The dedicated path listener, when `pathsPort` asks for one. */
  private pathListener: PathListener | null = null;
  port = 0;
  /** The dedicated path listener's port (0: none). */
  pathsPort = 0;
  private statusWritten = 0;
  private statusTimer: NodeJS.Timeout | null = null;
  /** status.json, rewritten off the main thread (util/atomic-file.ts). */
  private statusFile: AtomicFileWriter | undefined;

  /**
   * `overlay`: the peer transport of a network node (tests pass an in-memory one); required when
   * `opts.network` is set.
   */
  constructor(
    opts: Partial<NodeOptions> & {dataDir: string},
    private readonly injected: {overlay?: (nodeKey: NodeKey, node: Node) => Overlay} = {},
  ) {
    this.opts = {...defaultNodeOptions, ...opts, genesis: {...defaultNodeOptions.genesis, ...opts.genesis}};
    this.log = pino({level: this.opts.logLevel, base: undefined});
    this.metrics = createMetrics();
  }

  async start(): Promise<void> {
    const o = this.opts;
    const archive = o.network?.history !== undefined ? archiveFromConfig(o.network.history) : null;
    if (archive !== null && archive.canRead) await this.catchUpFromArchiveIfEmpty(archive);
    const meta = initNetwork(o.dataDir, o.genesis);
    this.config = configOf(meta);
    this.store = new LedgerStore({
      dir: o.dataDir,
      historyRetention: o.historyRetention,
      entryCacheEntries: o.entryCacheEntries,
      onPruned: (p) => {
        this.log.info({txs: p.txs, fromLedger: p.fromLedger, toLedger: p.toLedger, keepFrom: p.keepFrom}, "history pruned");
        this.metrics.historyPrunedTxs.inc(p.txs);
      },
    });
    const nodeKey = NodeKey.loadOrCreate(o.network?.nodeKeyFile ?? join(o.dataDir, "node.key"));
    this.nodeKey = nodeKey;
    if (o.uvPoolNice !== 0) {
      const niced = niceThreadsNamed("uv-pool", o.uvPoolNice);
      if (niced.refused !== undefined || niced.changed.length === 0 || niced.failed > 0) {
        this.log.warn({nice: o.uvPoolNice, changed: niced.changed.length, failed: niced.failed, reason: niced.refused}, "libuv pool threads not all niced");
      }
    }

    this.verifier =
      o.verifyThreads === 0
        ? new InThreadVerifier(this.config.networkId, this.store)
        : new VerifyPool(
            {networkId: new Uint8Array(this.config.networkId), dataDir: o.dataDir},
            {threads: o.verifyThreads, nice: o.verifyNice},
            this.metrics,
          );

    const p = defaultPathFinderOptions;
    this.paths =
      o.pathThreads === 0
        ? new InThreadPathFinder(this.store, p)
        : new PathPool(
            {dataDir: o.dataDir, limits: {maxHops: p.maxHops, maxPathsPerAsset: p.maxPathsPerAsset, maxWork: p.maxWork}, nice: o.pathsNice},
            {threads: o.pathThreads, maxQueue: p.maxQueue},
            this.metrics,
          );

    this.herder = new Herder(
      {closeIntervalMs: o.closeIntervalMs, checkInvariants: o.checkInvariants, closeSliceMs: o.closeSliceMs, closingQueueLedgers: o.closingQueueLedgers},
      {store: this.store, verifier: this.verifier, config: this.config, metrics: this.metrics, log: this.log},
    );
    const net = o.network;
    let quorumSet = singletonQuorumSet(nodeKey.publicKey);
    if (net !== undefined) {
      const sanity = checkQuorumSetSanity(net.quorumSet);
      if (!sanity.ok) throw new HerderError(HerderErrorCode.BAD_CONFIG, `quorum set: ${sanity.reason}`);
      quorumSet = net.quorumSet;
    }
    // A validator's statements go to their own small environment, written off the main thread.
    if (net !== undefined && net.validator !== false) this.scpState = new ScpStateStore(o.dataDir, this.store.scpState);
    this.consensus = new Consensus(
      {quorumSet, networkId: this.config.networkId, validating: net?.validator ?? true},
      {herder: this.herder, nodeKey, log: this.log, metrics: this.metrics, ...(this.scpState !== undefined ? {slotState: this.scpState} : {})},
    );
    // A restarted validator resumes its open slots from what it said before (never contradicting it).
    this.consensus.restore(this.store.latestHeader().seq);
    this.herder.setConsensus(this.consensus, {propose: net?.validator ?? true});
    if (net !== undefined) {
      if (!this.injected.overlay) throw new HerderError(HerderErrorCode.BAD_CONFIG, "a network node needs an overlay");
      this.overlay = this.injected.overlay(nodeKey, this);
      const ledgers = this.herder.ledgers;
      this.catchUp = new PeerCatchUp(
        {},
        {
          store: this.store,
          ledgers,
          overlay: this.overlay,
          config: this.config,
          log: this.log,
          metrics: this.metrics,
          trusted: () => ledgers.trustedLedger(),
          wantAnchor: () => this.network?.wantAnchor(),
        },
      );
      this.network = new HerderNetwork(
        {},
        {herder: this.herder, consensus: this.consensus, overlay: this.overlay, config: this.config, log: this.log, selfId: nodeKey.publicKey, catchUp: this.catchUp, metrics: this.metrics, verifier: this.verifier},
      );
      this.network.start();
    }

    const friendbot = o.friendbot
      ? new RootFriendbot(rootKeypair(this.config.passphrase), {herder: this.herder, store: this.store, config: this.config})
      : null;
    this.dashboard = new Dashboard(
      {},
      {
        metrics: this.metrics,
        reader: this.store,
        verifyThreads: o.verifyThreads,
        nodes: () => this.nodePanels(quorumSet),
      },
    );
    this.feed = new LedgerFeed(o.feed ?? {}, {reader: this.store, log: this.log});
    this.metrics.streamRecordSource.read = () => this.feed.operationRecords;
    this.ws = new WsHub(o.ws ?? {}, {metrics: this.metrics, log: this.log, metricsSource: this.dashboard.stats, feed: this.feed, lastLedger: () => this.store.latestHeader().seq});
    this.api = new ApiServer(
      {port: o.port, host: o.host, ...(o.sse !== undefined ? {sse: o.sse} : {})},
      {
        reader: this.store,
        submitter: this.herder,
        friendbot,
        feeStats: this.herder,
        paths: this.paths,
        feed: this.feed,
        info: {
          networkPassphrase: this.config.passphrase,
          coreVersion: VERSION,
          horizonVersion: VERSION,
          protocolVersion: this.config.protocolVersion,
        },
        metricsText: () => this.metrics.registry.metrics(),
        // The node and the quorum set it was configured with (standalone: itself only).
        // This node and every node whose quorum set it learnt from their SCP envelopes.
        quorum: {self: nodeKey.publicKey, fbas: () => this.consensus.knownQuorumSets()},
        metrics: this.metrics,
        dashboard: this.dashboard,
        ws: this.ws,
        health: {
          coreUp: () => this.herder.failed === null,
          // Synced: the last ledger closed within a few close intervals (at least 10 s).
          coreSynced: () => Date.now() / 1000 - this.store.latestHeader().closeTime <= Math.max(10, (5 * o.closeIntervalMs) / 1000),
        },
      },
    );
    if (archive !== null && (net?.validator ?? true) && canPublish(archive)) {
      this.publisher = new HistoryPublisher({archive, server: VERSION}, {store: this.store, source: this.store, log: this.log});
      await this.publisher.start();
      const publisher = this.publisher;
      this.herder.onLedgerClosed((c) => publisher.ledgerClosed(c.header));
    }
    let evicted = 0;
    this.herder.onLedgerClosed((c) => {
      const cache = this.store.cache;
      this.metrics.entryCacheEntries.set(cache.size);
      this.metrics.entryCacheEvictions.inc(cache.evicted - evicted);
      evicted = cache.evicted;
      this.api.ledgerClosed();
      this.paths.ledgerClosed?.();
      this.pathListener?.ledgerClosed();
      this.dashboard.ledgerClosed(c);
      this.feed.publish(c);
    });
    this.herder.onCloseStarted((s) => this.feed.closeStarted(s.seq, s.closeTime, s.frames));
    await this.overlay?.start();
    await this.herder.start();
    this.port = await this.api.start();
    if (o.pathsPort !== undefined) {
      this.pathListener = await PathListener.start(
        {dataDir: o.dataDir, limits: {maxHops: p.maxHops, maxPathsPerAsset: p.maxPathsPerAsset, maxWork: p.maxWork}, host: o.host, port: o.pathsPort, nice: o.pathsNice},
        (err) => this.log.error({err}, "path listener failed"),
      );
      const nice = this.pathListener.nice;
      if (nice !== undefined && !nice.ok) this.log.warn({nice: o.pathsNice, reason: nice.reason}, "path listener thread keeps the process's priority");
      this.pathsPort = this.pathListener.port;
    }
    this.dashboard.start();
    this.feed.defaultBase = `http://${o.host === "0.0.0.0" ? "127.0.0.1" : o.host}:${this.port}`;
    if (net !== undefined) {
      this.herder.onLedgerClosed(() => this.writeStatus());
      // Also while no ledger closes (a stalled network still shows its phase and peers).
      this.statusTimer = setInterval(() => this.writeStatus(), 1000);
      this.statusTimer.unref();
      this.writeStatus();
    }
    this.log.info(
      {
        port: this.port,
        data: o.dataDir,
        passphrase: this.config.passphrase,
        node: nodeKey.publicKey,
        lcl: this.store.latestHeader().seq,
        validator: net?.validator ?? true,
        quorumSet,
      },
      "node started",
    );
  }

  /**
   * The network dashboard's panels: this node, then every node it hears from (SCP envelopes)
   * or is connected to (their status messages). A validator not heard from for 10 close
   * intervals (at least 5 s) counts as down in every quorum set's health.
   */
  nodePanels(quorumSet: QuorumSet): DashboardNode[] {
    const self = this.nodeKey.publicKey;
    const h = this.store.latestHeader();
    if (this.network === null) {
      const phase = this.herder.failed !== null ? "stopped" : "externalized";
      return [{id: self, self: true, ledger: h.seq, closedAt: h.closeTime, phase, peers: 0, quorum: quorumHealth(quorumSet)}];
    }
    const now = Date.now();
    const window = Math.max(5000, 10 * this.opts.closeIntervalMs);
    const heard = new Map(this.consensus.heardNodes().map((n) => [n.id, n]));
    const statuses = new Map(this.network.peerStatuses().map((s) => [s.id, s]));
    const up = (id: string) => id === self || (heard.get(id)?.at ?? 0) > now - window || (statuses.get(id)?.at ?? 0) > now - window;
    const everyone = new Set<string>([...heard.keys(), ...statuses.keys()]);
    const walk = (q: QuorumSet) => {
      for (const v of q.validators) everyone.add(v);
      q.innerSets.forEach(walk);
    };
    walk(quorumSet);
    for (const n of heard.values()) if (n.quorumSet) walk(n.quorumSet);
    everyone.delete(self);
    const down = new Set([...everyone].filter((id) => !up(id)));
    const panels: DashboardNode[] = [
      {id: self, self: true, ledger: h.seq, closedAt: h.closeTime, phase: this.herder.failed !== null ? "stopped" : this.network.phase(), peers: this.overlay?.peers().length ?? 0, quorum: quorumHealth(quorumSet, down)},
    ];
    for (const id of [...everyone].sort()) {
      const st = statuses.get(id);
      const n = heard.get(id);
      const ledger = st?.ledger ?? (n === undefined ? 0 : n.type === "externalize" ? n.slot : n.slot - 1);
      panels.push({
        id,
        self: false,
        ledger,
        closedAt: this.store.header(ledger)?.closeTime ?? 0,
        phase: down.has(id) ? "unreachable" : (st?.phase ?? n?.type ?? "unknown"),
        peers: st !== undefined && !down.has(id) ? st.peers : null,
        quorum: n?.quorumSet !== undefined ? quorumHealth(n.quorumSet, down) : null,
      });
    }
    return panels;
  }

  /** What `diamante network status` shows of this node. */
  status(): NodeStatus {
    const lcl = this.store.latestHeader();
    const slot = this.consensus.slotInfo(lcl.seq + 1);
    return {
      pid: process.pid,
      node: this.nodeKey.publicKey,
      validator: this.opts.network?.validator ?? true,
      api: `http://${this.opts.host === "0.0.0.0" ? "127.0.0.1" : this.opts.host}:${this.port}`,
      peerPort: this.opts.network?.peerPort ?? null,
      ledger: lcl.seq,
      hash: lcl.hash,
      phase: this.network?.phase() ?? slot?.phase ?? "idle",
      peers: this.overlay?.peers().map((p) => p.id) ?? [],
      updatedAt: new Date().toISOString(),
    };
  }

  /** Rewrites status.json in the data folder (atomically), at most every 250 ms. */
  private writeStatus(): void {
    const now = Date.now();
    if (now - this.statusWritten < 250) return;
    this.statusWritten = now;
    this.statusFile ??= new AtomicFileWriter(join(this.opts.dataDir, "status.json"), (err) => this.log.warn({err}, "status file not written"));
    this.statusFile.write(JSON.stringify(this.status()) + "\n");
  }

  /**
   * A node started on an empty data folder with a readable archive loads the archive's latest
   * checkpoint (state snapshot, then replay, each ledger against its archived header hash), as
   * stellar-core catches up from history before joining; the ledgers since then come from peers.
   * An archive with nothing published yet leaves the folder to genesis.
   */
  private async catchUpFromArchiveIfEmpty(archive: HistoryArchive): Promise<void> {
    const o = this.opts;
    const store = new LedgerStore({dir: o.dataDir});
    try {
      if (store.isInitialized()) return;
      let root;
      try {
        root = await new ArchiveReader(archive).root();
      } catch (err) {
        if ((err as {code?: string}).code === HistoryErrorCode.MISSING) {
          this.log.info({archive: archive.name}, "history archive holds no checkpoint yet; starting from genesis");
          return;
        }
        throw err;
      }
      if (root.networkPassphrase !== o.genesis.passphrase) {
        throw new HistoryError(HistoryErrorCode.WRONG_NETWORK, `archive ${archive.name} holds network "${root.networkPassphrase}", this node is configured for "${o.genesis.passphrase}"`);
      }
      const r = await catchupFromArchive(
        archive,
        store,
        (s, config) => new LedgerManager({checkInvariants: false}, {store: s, config, metrics: this.metrics, log: this.log, events: new LedgerEvents(this.log), txSets: () => undefined}),
        {},
        this.log,
      );
      this.log.info({archive: archive.name, ledger: r.to, hash: r.hash, snapshot: r.snapshot, replayed: r.replayed}, "caught up from the history archive");
    } finally {
      await store.close();
    }
  }

  /** Called once if the node can no longer close ledgers; see Herder.onFatal. */
  onFatal(cb: (err: Error) => void): void {
    this.herder.onFatal(cb);
  }

  async stop(): Promise<void> {
    this.dashboard?.stop();
    this.feed?.close();
    if (this.statusTimer) clearInterval(this.statusTimer);
    await this.statusFile?.idle();
    await this.api?.stop();
    await this.pathListener?.close();
    this.network?.stop();
    this.catchUp?.stop();
    await this.catchUp?.idle();
    await this.overlay?.stop();
    this.consensus?.stop();
    await this.consensus?.settled();
    await this.scpState?.close();
    await this.herder?.stop();
    // A checkpoint being written holds a read transaction on the store: let it finish first.
    await this.publisher?.idle();
    await this.verifier?.close();
    await this.paths?.close();
    await this.store?.close();
  }
}
