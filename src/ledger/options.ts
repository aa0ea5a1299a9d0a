/**
 * Network defaults and the knobs of the ledger core. Each value says why it is what it is.
 */
import {createHash} from "node:crypto";
import type {NetworkConfig} from "./types.js";

/** Passphrase of a standalone network; the network id (and so every tx hash) derives from it. */
export const DEFAULT_PASSPHRASE = "Diamante Standalone Network ; 2026";

/** 1 DIAM = 10^7 stroops (7 decimals, as Stellar's lumen). */
export const STROOPS_PER_DIAM = 10_000_000n;

/** 100 billion DIAM = 10^18 stroops: fits int64 (max ~9.22 × 10^18) with 9x headroom. */
export const DEFAULT_TOTAL_COINS = 100_000_000_000n * STROOPS_PER_DIAM;

/** Stellar's minimum base fee: 100 stroops per operation. */
export const DEFAULT_BASE_FEE = 100;

/** 0.5 DIAM per reserve unit, Stellar's value since 2019: an empty account needs 2 units = 1 DIAM. */
export const DEFAULT_BASE_RESERVE = 5_000_000;

/**
 * 20,000 operations per ledger. With 1 s closes that is the apply budget one core sustains with
 * margin (apply measured ≥ 20k payment txs/s); raise it only with `diamante_ledger_apply_seconds`
 * staying well under the close interval.
 */
export const DEFAULT_MAX_TX_SET_SIZE = 20_000;

/** Classic semantics of Stellar protocol 20 (no Soroban): what tx/ implements. */
export const PROTOCOL_VERSION = 20;

/** Stellar's cap on sub-entries (signers, data entries, …) per account. */
export const ACCOUNT_SUBENTRY_LIMIT = 1000;

/** Stellar's cap on signers per account. */
export const MAX_SIGNERS = 20;

export function networkIdOf(passphrase: string): Buffer {
  return createHash("sha256").update(passphrase, "utf8").digest();
}

/** A network config from a passphrase and any overrides (the network id always follows the passphrase). */
export function networkConfig(
  passphrase: string = DEFAULT_PASSPHRASE,
  overrides: Partial<Omit<NetworkConfig, "passphrase" | "networkId">> = {},
): NetworkConfig {
  return {
    passphrase,
    networkId: networkIdOf(passphrase),
    baseFee: overrides.baseFee ?? DEFAULT_BASE_FEE,
    baseReserve: overrides.baseReserve ?? DEFAULT_BASE_RESERVE,
    maxTxSetSize: overrides.maxTxSetSize ?? DEFAULT_MAX_TX_SET_SIZE,
    protocolVersion: overrides.protocolVersion ?? PROTOCOL_VERSION,
  };
}
