/**
 * The overlay's contract with the rest of the node. The overlay moves authenticated messages
 * between validators and watchers; it never judges them. The herder decides validity and calls
 * `broadcast` to re-flood what it accepted, as stellar-core floods on only valid messages, so a
 * bad transaction or SCP envelope stops at the first honest node.
 *
 * Peers prove possession of their node key during the handshake (ed25519 over both sides' nonces
 * and the network id), so a `PeerId` is a key the peer controls, not a claim.
 */

/** The peer's node public key as a G... strkey. */
export type PeerId = string;

export type OverlayMessage =
  /** TransactionEnvelope XDR, flooded. */
  | {type: "tx"; envelope: Buffer}
  /** SCP envelope bytes (scp/codec), flooded. */
  | {type: "scp"; envelope: Buffer}
  | {type: "get_tx_set"; hash: Buffer}
  /** `body` is the herder's tx set encoding. */
  | {type: "tx_set"; hash: Buffer; body: Buffer}
  | {type: "get_qset"; hash: Buffer}
  | {type: "qset"; hash: Buffer; body: Buffer}
  /** Catch-up: ledgers `from`..`to` inclusive; the count is bounded by the overlay. */
  | {type: "get_ledgers"; from: number; to: number}
  /** History's encoding of closed ledgers, in sequence order. */
  | {type: "ledgers"; items: Buffer[]}
  | {type: "dont_have"; what: string; key: Buffer}
  /**
   * Point to point, about once a second: where the sender stands (last closed ledger, SCP phase
   * of the next slot, authenticated peers), for the network dashboard and `network status`.
   */
  | {type: "status"; ledger: number; phase: string; peers: number};

export type OverlayMessageType = OverlayMessage["type"];

export interface Overlay {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Sends a flood message to every authenticated peer that has not sent or been sent it (dedupe by hash). */
  broadcast(msg: OverlayMessage, except?: PeerId): void;
  /** Sends to one authenticated peer; false when that peer is not connected or its queue is full. */
  send(peer: PeerId, msg: OverlayMessage): boolean;
  /** Registers a receiver of every validated message from an authenticated peer. */
  onMessage(cb: (peer: PeerId, msg: OverlayMessage) => void): void;
  peers(): Array<{id: PeerId; address: string; inbound: boolean}>;
}
