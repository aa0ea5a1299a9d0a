/** Overlays on loopback with free ports, a raw peer speaking the wire protocol by hand, bounded waits. */
import {connect, createServer, type Socket} from "node:net";
import {createHash, randomBytes} from "node:crypto";
import {setTimeout as sleep} from "node:timers/promises";
import {pino} from "pino";
import {StrKey} from "@stellar/stellar-base";
import {TcpOverlay} from "../../../src/overlay/tcp-overlay.js";
import type {OverlayOptions} from "../../../src/overlay/options.js";
import type {OverlayMessage, PeerId} from "../../../src/overlay/interface.js";
import {FrameReader, OVERLAY_VERSION, authPayload, decodeMessage, encodeFrame, type WireMessage} from "../../../src/overlay/codec.js";
import {createMetrics, type Metrics} from "../../../src/metrics/metrics.js";
import {NodeKey} from "../../../src/util/node-key.js";

export const NETWORK = createHash("sha256").update("Overlay Test Network").digest();

export interface TestPeer {
  overlay: TcpOverlay;
  key: NodeKey;
  metrics: Metrics;
  /** Every delivered message, in order. */
  got: Array<{from: PeerId; msg: OverlayMessage}>;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as {port: number}).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A started overlay; `reflood` makes it re-broadcast every delivered flood message, as the herder does for valid ones. */
export async function startPeer(
  opts: Partial<OverlayOptions> & {networkId?: Buffer} = {},
  {key = NodeKey.random(), reflood = false}: {key?: NodeKey; reflood?: boolean} = {},
): Promise<TestPeer> {
  const metrics = createMetrics();
  const overlay = new TcpOverlay(
    {port: 0, reconnectBaseMs: 50, reconnectMaxMs: 400, ...opts, networkId: opts.networkId ?? NETWORK},
    {nodeKey: key, log: pino({level: "silent"}), metrics},
  );
  const p: TestPeer = {overlay, key, metrics, got: []};
  overlay.onMessage((from, msg) => {
    p.got.push({from, msg});
    if (reflood && (msg.type === "tx" || msg.type === "scp")) overlay.broadcast(msg, from);
  });
  await overlay.start();
  return p;
}

export async function stopAll(peers: Array<{overlay: TcpOverlay} | RawPeer | undefined>): Promise<void> {
  for (const p of peers) {
    if (p instanceof RawPeer) p.destroy();
    else if (p) await p.overlay.stop();
  }
}

/** Polls `cond` every 10 ms; fails with `what` after `ms` (a bound against hanging, not a speed check). */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

/** Sum of a counter's values whose labels match `labels` (all of them when omitted). */
export async function counter(m: {get(): Promise<{values: Array<{value: number; labels: object}>}>}, labels: Record<string, string> = {}): Promise<number> {
  const {values} = await m.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want))
    .reduce((a, v) => a + v.value, 0);
}

/** A peer written by hand: sends exactly the frames a test asks for. */
export class RawPeer {
  readonly socket: Socket;
  readonly received: WireMessage[] = [];
  closed = false;
  private readonly reader = new FrameReader(64 * 1024 * 1024);
  readonly nonce = randomBytes(32);
  peerNonce: Buffer | undefined;
  peerNode: Buffer | undefined;

  constructor(port: number, readonly key: NodeKey = NodeKey.random()) {
    this.socket = connect({host: "127.0.0.1", port});
    this.socket.on("data", (chunk: Buffer) => {
      for (const body of this.reader.push(chunk)) {
        const m = decodeMessage(body, 64 * 1024 * 1024);
        if (m.type === "hello") {
          this.peerNonce = m.nonce;
          this.peerNode = m.node;
        }
        this.received.push(m);
      }
    });
    this.socket.on("error", () => undefined);
    this.socket.on("close", () => (this.closed = true));
  }

  get id(): PeerId {
    return this.key.publicKey;
  }

  send(m: WireMessage | Record<string, unknown> | unknown[]): void {
    this.socket.write(encodeFrame(m as WireMessage));
  }

  raw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  hello(network = NETWORK, key: NodeKey = this.key): void {
    this.send({type: "hello", version: OVERLAY_VERSION, network, node: Buffer.from(StrKey.decodeEd25519PublicKey(key.publicKey)), nonce: this.nonce, port: 0});
  }

  /** hello, wait for the node's hello, auth; resolves once the node's auth arrived. */
  async handshake(): Promise<void> {
    this.hello();
    await waitFor("node hello", () => this.peerNonce !== undefined || this.closed);
    this.send({type: "auth", sig: this.key.sign(authPayload(NETWORK, this.nonce, this.peerNonce!))});
    await waitFor("node auth", () => this.received.some((m) => m.type === "auth") || this.closed);
  }

  refusal(): string | undefined {
    const e = this.received.find((m) => m.type === "error");
    return e?.type === "error" ? e.code : undefined;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
