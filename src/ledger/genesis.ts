/**
 * The first ledger of a network. As Stellar does, the root account's key is derived from the
 * network passphrase (ed25519 seed = sha256(passphrase)), so it is public knowledge on any
 * network whose passphrase is: test networks use it as the faucet.
 */
import {Keypair} from "@stellar/stellar-base";
import {createHash} from "node:crypto";
import type {LedgerEntry, LedgerHeader, NetworkConfig} from "./types.js";
import {entryKey} from "./types.js";
import {headerHash, stateHashOf, ZERO_HASH_HEX} from "./header.js";
import {newAccountEntry} from "./entries.js";

export const GENESIS_LEDGER_SEQ = 1;

export function rootKeypair(passphrase: string): Keypair {
  return Keypair.fromRawEd25519Seed(createHash("sha256").update(passphrase, "utf8").digest());
}

/** Hash of an empty tx set or result list: sha256 of nothing beyond the previous hash. */
function emptyHash(...parts: Buffer[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/**
 * Ledger 1: the root account holds every coin, seqNum 0 (its first tx uses 1), master weight 1
 * and all thresholds 0, as Stellar's genesis.
 */
export function genesisLedger(config: NetworkConfig, totalCoins: bigint): {header: LedgerHeader; entries: LedgerEntry[]} {
  const root = newAccountEntry(rootKeypair(config.passphrase).publicKey(), totalCoins, 0n, GENESIS_LEDGER_SEQ);
  const entries: LedgerEntry[] = [root];
  const header: LedgerHeader = {
    seq: GENESIS_LEDGER_SEQ,
    prevHash: ZERO_HASH_HEX,
    hash: "",
    txSetHash: emptyHash(Buffer.from(ZERO_HASH_HEX, "hex")),
    txResultsHash: emptyHash(),
    stateHash: stateHashOf(new Map(entries.map((e) => [entryKey(e), e]))),
    closeTime: 0,
    totalCoins,
    feePool: 0n,
    baseFee: config.baseFee,
    baseReserve: config.baseReserve,
    maxTxSetSize: config.maxTxSetSize,
    protocolVersion: config.protocolVersion,
    idPool: 0n,
    txCount: 0,
    failedTxCount: 0,
    opCount: 0,
  };
  header.hash = headerHash(header);
  return {header, entries};
}
