/**
 * One TCP connection to a peer: frame reassembly, decoding, the bounded write side. The
 * handshake's decisions (who may connect) belong to the overlay; this class only carries bytes.
 */
import type {Socket} from "node:net";
import {randomBytes} from "node:crypto";
import type {PeerId} from "./interface.js";
import {FrameReader, decodeMessage, encodeFrame, type WireMessage} from "./codec.js";
import {OverlayError} from "./errors.js";

export type WriteOutcome = "sent" | "dropped" | "closed";

export interface ConnectionLimits {
  maxFrameBytes: number;
  maxQueueBytes: number;
  maxQueueBytesHard: number;
}

export interface ConnectionEvents {
  message(conn: PeerConnection, msg: WireMessage): void;
  badFrame(conn: PeerConnection, err: OverlayError): void;
  /** Once per connection, whatever closed it. */
  closed(conn: PeerConnection, reason: string): void;
  /** The peer reads too slowly: its queue passed the hard limit (the connection is closing). */
  slow(conn: PeerConnection, queuedBytes: number): void;
}

export class PeerConnection {
  /** Set once the handshake's hello names the peer; trusted only once `authenticated`. */
  id: PeerId | undefined;
  remoteKey: Buffer | undefined;
  remoteNonce: Buffer | undefined;
  authenticated = false;
  /** The peer's announced listening port (0: it accepts no connections). */
  listenPort = 0;
  readonly localNonce = randomBytes(32);
  private readonly reader: FrameReader;
  private closedReason: string | null = null;
  /** The socket is corked until the current callback ends (next tick): the frames it queues leave in one write. */
  private corked = false;

  constructor(
    readonly socket: Socket,
    readonly inbound: boolean,
    /** host:port dialed (outbound) or the remote socket address (inbound). */
    readonly address: string,
    private readonly limits: ConnectionLimits,
    private readonly events: ConnectionEvents,
  ) {
    this.reader = new FrameReader(limits.maxFrameBytes);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err) => this.close(`socket error: ${err.message}`));
    socket.on("close", () => this.close("socket closed"));
  }

  get closed(): boolean {
    return this.closedReason !== null;
  }

  /** Bytes written but not yet taken by the kernel. */
  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  /**
   * Queues one message. A `droppable` message (a flooded tx: another peer or the next ledger
   * brings it again) is dropped while the queue is above the soft limit; any message that would
   * take the queue past the hard limit disconnects the peer, which cannot keep up.
   */
  write(msg: WireMessage, droppable: boolean): WriteOutcome {
    if (this.closed) return "closed";
    const queued = this.socket.writableLength;
    if (droppable && queued > this.limits.maxQueueBytes) return "dropped";
    const frame = encodeFrame(msg);
    if (queued + frame.length > this.limits.maxQueueBytesHard) {
      this.events.slow(this, queued);
      this.close(`write queue over ${this.limits.maxQueueBytesHard} bytes`);
      return "closed";
    }
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => this.uncork());
    }
    this.socket.write(frame);
    return "sent";
  }

  private uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  /** Sends a last `error` message (best effort), then closes. */
  refuse(code: string, message: string): void {
    if (this.closed) return;
    try {
      this.socket.write(encodeFrame({type: "error", code, message}));
      this.uncork();
    } catch {
      // The socket is already failing; closing below is all that is left to do.
    }
    this.close(`refused: ${code}`, true);
  }

  /** `graceful`: let queued bytes (a refusal) go out before the socket is torn down. */
  close(reason: string, graceful = false): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    this.socket.removeAllListeners("data");
    if (graceful) {
      this.socket.end();
      // A peer that never reads must not keep the socket open.
      setTimeout(() => this.socket.destroy(), 1000).unref();
    } else {
      this.socket.destroy();
    }
    this.events.closed(this, reason);
  }

  private onData(chunk: Buffer): void {
    let bodies: Buffer[];
    try {
      bodies = this.reader.push(chunk);
    } catch (err) {
      this.events.badFrame(this, err as OverlayError);
      return;
    }
    for (const body of bodies) {
      if (this.closed) return;
      let msg: WireMessage;
      try {
        msg = decodeMessage(body, this.limits.maxFrameBytes);
      } catch (err) {
        this.events.badFrame(this, err as OverlayError);
        return;
      }
      this.events.message(this, msg);
    }
  }
}
