/**
 * A node's identity: an ed25519 key pair whose public key (as a `G…` StrKey) names the node in
 * quorum sets. Signs SCP statements (and later overlay handshakes) with libsodium.
 */
import sodium from "sodium-native";
import {StrKey} from "@stellar/stellar-base";
import {readFileSync, writeFileSync, existsSync} from "node:fs";
import {randomBytes} from "node:crypto";

/** Raw public keys of node ids already decoded: a network has a few hundred validators at most. */
const peerKeys = new Map<string, Buffer>();
const MAX_PEER_KEYS = 4096;

/** The raw ed25519 key of a `G…` node id, or undefined when it is not one (StrKey decoding is slow JS: done once per id). */
function rawPeerKey(nodeId: string): Buffer | undefined {
  let pk = peerKeys.get(nodeId);
  if (pk !== undefined) return pk;
  if (!StrKey.isValidEd25519PublicKey(nodeId)) return undefined;
  pk = Buffer.from(StrKey.decodeEd25519PublicKey(nodeId));
  if (peerKeys.size >= MAX_PEER_KEYS) peerKeys.delete(peerKeys.keys().next().value as string);
  peerKeys.set(nodeId, pk);
  return pk;
}

export class NodeKey {
  readonly publicKey: string;
  private readonly pk: Buffer;
  private readonly sk: Buffer;

  constructor(seed: Buffer) {
    this.pk = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
    this.sk = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES);
    sodium.crypto_sign_seed_keypair(this.pk, this.sk, seed);
    this.publicKey = StrKey.encodeEd25519PublicKey(this.pk);
  }

  static random(): NodeKey {
    return new NodeKey(randomBytes(32));
  }

  /** Loads the node key kept in `path` (an `S…` secret seed), creating it on first use. */
  static loadOrCreate(path: string): NodeKey {
    if (existsSync(path)) {
      const secret = readFileSync(path, "utf8").trim();
      return new NodeKey(Buffer.from(StrKey.decodeEd25519SecretSeed(secret)));
    }
    const seed = randomBytes(32);
    writeFileSync(path, StrKey.encodeEd25519SecretSeed(seed) + "\n", {mode: 0o600});
    return new NodeKey(seed);
  }

  sign(message: Uint8Array): Buffer {
    const sig = Buffer.alloc(sodium.crypto_sign_BYTES);
    sodium.crypto_sign_detached(sig, Buffer.from(message.buffer, message.byteOffset, message.byteLength), this.sk);
    return sig;
  }

  /** Verifies `signature` by node `nodeId` (a `G…` StrKey) over `message`. */
  verifyFrom(nodeId: string, message: Uint8Array, signature: Uint8Array): boolean {
    if (signature.length !== sodium.crypto_sign_BYTES) return false;
    const pk = rawPeerKey(nodeId);
    if (pk === undefined) return false;
    return sodium.crypto_sign_verify_detached(
      Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength),
      Buffer.from(message.buffer, message.byteOffset, message.byteLength),
      pk,
    );
  }
}
