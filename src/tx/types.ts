/**
 * The decoded, plain form of transactions and operations that the rest of the node uses
 * (queue, apply, store, API). Built once from the XDR envelope by `tx/frame.ts`.
 */
import type {xdr} from "@stellar/stellar-base";
import type {TxMeta} from "../ledger/meta.js";
import type {AccountId, Asset, Claimant, CreditAsset, Price} from "../ledger/types.js";

export type {Asset, CreditAsset, Price, Claimant};

interface OpBase {
  /** Operation source (muxed accounts resolved to their G… id), or null for the tx source. */
  source: AccountId | null;
}

export type Operation = OpBase &
  (
    | {type: "create_account"; destination: AccountId; startingBalance: bigint}
    | {type: "payment"; destination: AccountId; asset: Asset; amount: bigint}
    | {
        type: "set_options";
        inflationDest?: AccountId;
        clearFlags?: number;
        setFlags?: number;
        masterWeight?: number;
        lowThreshold?: number;
        medThreshold?: number;
        highThreshold?: number;
        homeDomain?: string;
        signer?: {key: string; weight: number};
      }
    | {type: "account_merge"; destination: AccountId}
    | {type: "manage_data"; name: string; value: Uint8Array | null}
    | {type: "bump_sequence"; bumpTo: bigint}
    /** A native line is malformed; a liquidity-pool line decodes as unsupported. */
    | {type: "change_trust"; line: Asset; limit: bigint}
    /** `authorize`: 0, AUTHORIZED_FLAG or AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG. */
    | {type: "allow_trust"; trustor: AccountId; assetType: CreditAsset["type"]; assetCode: string; authorize: number}
    | {type: "set_trust_line_flags"; trustor: AccountId; asset: Asset; clearFlags: number; setFlags: number}
    | {type: "clawback"; asset: Asset; from: AccountId; amount: bigint}
    /** offerId 0 creates an offer; amount 0 deletes one. */
    | {type: "manage_sell_offer"; selling: Asset; buying: Asset; amount: bigint; price: Price; offerId: bigint}
    /** buyAmount of `buying`, at `price` = selling units per buying unit (as Stellar's). */
    | {type: "manage_buy_offer"; selling: Asset; buying: Asset; buyAmount: bigint; price: Price; offerId: bigint}
    | {type: "create_passive_sell_offer"; selling: Asset; buying: Asset; amount: bigint; price: Price}
    | {type: "path_payment_strict_receive"; sendAsset: Asset; sendMax: bigint; destination: AccountId; destAsset: Asset; destAmount: bigint; path: Asset[]}
    | {type: "path_payment_strict_send"; sendAsset: Asset; sendAmount: bigint; destination: AccountId; destAsset: Asset; destMin: bigint; path: Asset[]}
    | {type: "create_claimable_balance"; asset: Asset; amount: bigint; claimants: Claimant[]}
    /** balanceId: hex of the 32-byte hash. */
    | {type: "claim_claimable_balance"; balanceId: string}
    | {type: "clawback_claimable_balance"; balanceId: string}
    /** Any operation this node does not apply yet: it fails with op_not_supported. */
    | {type: "unsupported"; xdrType: string}
  );

export type OperationType = Operation["type"];

/** Horizon's `type_i` for each operation type name (Stellar's OperationType enum). */
export const OPERATION_TYPE_I: Record<string, number> = {
  create_account: 0,
  payment: 1,
  path_payment_strict_receive: 2,
  manage_sell_offer: 3,
  create_passive_sell_offer: 4,
  set_options: 5,
  change_trust: 6,
  allow_trust: 7,
  account_merge: 8,
  inflation: 9,
  manage_data: 10,
  bump_sequence: 11,
  manage_buy_offer: 12,
  path_payment_strict_send: 13,
  create_claimable_balance: 14,
  claim_claimable_balance: 15,
  begin_sponsoring_future_reserves: 16,
  end_sponsoring_future_reserves: 17,
  revoke_sponsorship: 18,
  clawback: 19,
  clawback_claimable_balance: 20,
  set_trust_line_flags: 21,
  liquidity_pool_deposit: 22,
  liquidity_pool_withdraw: 23,
  invoke_host_function: 24,
  extend_footprint_ttl: 25,
  restore_footprint: 26,
};

export type Memo =
  | {type: "none"}
  | {type: "text"; value: Uint8Array}
  | {type: "id"; value: bigint}
  | {type: "hash" | "return"; value: Uint8Array};

export interface DecoratedSignature {
  /** last 4 bytes of the signer's public key (or hash for hash(x) signers) */
  hint: Uint8Array;
  signature: Uint8Array;
}

/** A signature that verified: index into the envelope's signature list, and the signer key (StrKey). */
export interface VerifiedSignature {
  index: number;
  key: string;
}

/** Results as Horizon reports them in `extras.result_codes`. */
export interface ResultCodes {
  transaction: string;
  operations?: string[];
  /** Fee-bumps: codes of the inner tx (Horizon's `inner_transaction`). Added for fee-bump results. */
  innerTransaction?: ResultCodes;
}

/** What applying one transaction produced. */
export interface AppliedTx {
  hashHex: string;
  /** 1-based position in the ledger's apply order (Horizon's TOID tx order). */
  index: number;
  successful: boolean;
  feeCharged: bigint;
  /** The XDR TransactionResult, serialized. */
  resultXdr: Buffer;
  resultCodes: ResultCodes;
  /** Accounts touched by each operation (source, destination…), for the API's per-account indexes. */
  opParticipants: AccountId[][];
  /** Entry changes of the fee phase, before the operations and per operation (result/fee meta). */
  meta?: TxMeta;
  /**
   * A successful tx whose result carries operation bodies (offers, path payments): the (inner)
   * operation results as apply built them, so records read the trades without decoding resultXdr.
   */
  opResults?: xdr.OperationResult[];
  /**
   * True when `resultXdr` was written as the plain success result of the tx's operations
   * (plainSuccessResultXdr): records then need not rebuild it to learn it is implied.
   */
  plainResult?: boolean;
}
