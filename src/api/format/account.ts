/** Horizon's account resource, from the account entry and its data entries. */
import {numSponsoring, type AccountEntry, type DataEntry, type TrustLineEntry} from "../../ledger/types.js";
import {formatAmount} from "./amount.js";
import {link, pagedLink, templatedLink, type Link} from "./links.js";
import {isoTime} from "./time.js";

export interface SignerRecord {
  weight: number;
  key: string;
  type: string;
}

export interface AccountRecord {
  _links: {
    self: Link;
    transactions: Link;
    operations: Link;
    payments: Link;
    effects: Link;
    offers: Link;
    trades: Link;
    data: Link;
  };
  id: string;
  account_id: string;
  sequence: string;
  sequence_ledger?: number;
  sequence_time?: string;
  subentry_count: number;
  home_domain?: string;
  inflation_destination?: string;
  last_modified_ledger: number;
  last_modified_time: string | null;
  thresholds: {low_threshold: number; med_threshold: number; high_threshold: number};
  flags: {auth_required: boolean; auth_revocable: boolean; auth_immutable: boolean; auth_clawback_enabled: boolean};
  balances: BalanceRecord[];
  signers: SignerRecord[];
  data: Record<string, string>;
  num_sponsoring: number;
  num_sponsored: number;
  paging_token: string;
}

export interface NativeBalanceRecord {
  balance: string;
  buying_liabilities: string;
  selling_liabilities: string;
  asset_type: "native";
}

export interface TrustLineBalanceRecord {
  balance: string;
  limit: string;
  buying_liabilities: string;
  selling_liabilities: string;
  last_modified_ledger: number;
  is_authorized: boolean;
  is_authorized_to_maintain_liabilities: boolean;
  is_clawback_enabled: boolean;
  asset_type: string;
  asset_code: string;
  asset_issuer: string;
}

export type BalanceRecord = TrustLineBalanceRecord | NativeBalanceRecord;

/**
 * A trustline as Horizon's balance. Since CAP-18 an authorized line may also maintain
 * liabilities, so `is_authorized_to_maintain_liabilities` is true for either flag.
 */
export function trustLineBalance(t: TrustLineEntry): TrustLineBalanceRecord {
  const authorized = (t.flags & 1) !== 0;
  return {
    balance: formatAmount(t.balance),
    limit: formatAmount(t.limit),
    buying_liabilities: formatAmount(t.buyingLiabilities),
    selling_liabilities: formatAmount(t.sellingLiabilities),
    last_modified_ledger: t.lastModifiedLedger,
    is_authorized: authorized,
    is_authorized_to_maintain_liabilities: authorized || (t.flags & 2) !== 0,
    is_clawback_enabled: (t.flags & 4) !== 0,
    asset_type: t.asset.type,
    asset_code: t.asset.code,
    asset_issuer: t.asset.issuer,
  };
}

/** Horizon's order of an account's trustlines: asset type (alphanum4 first), code, issuer. */
function trustLineOrder(a: TrustLineEntry, b: TrustLineEntry): number {
  if (a.asset.type !== b.asset.type) return a.asset.type === "credit_alphanum4" ? -1 : 1;
  if (a.asset.code !== b.asset.code) return a.asset.code < b.asset.code ? -1 : 1;
  return a.asset.issuer < b.asset.issuer ? -1 : a.asset.issuer > b.asset.issuer ? 1 : 0;
}

/** Signer kind from the StrKey version letter, with Horizon's names. */
export function signerType(key: string): string {
  switch (key[0]) {
    case "G":
      return "ed25519_public_key";
    case "T":
      return "preauth_tx";
    case "X":
      return "sha256_hash";
    case "P":
      return "ed25519_signed_payload";
    default:
      return "unknown";
  }
}

/**
 * `lastModifiedTime` is the close time of the ledger that last wrote the entry, null when that
 * header is not at hand. The master key is listed after the extra signers with the master
 * weight, as Horizon lists it; `data` must always be present (even empty) because the SDK reads
 * `data_attr['config.memo_required']` from every payment destination before submitting.
 * Balances list the trustlines, then the native balance last, as Horizon does.
 */
export function accountRecord(
  a: AccountEntry,
  data: DataEntry[],
  lastModifiedTime: number | null,
  base: string,
  trustLines: TrustLineEntry[] = [],
): AccountRecord {
  const self = `/accounts/${a.accountId}`;
  const signers: SignerRecord[] = a.signers.map((s) => ({weight: s.weight, key: s.key, type: signerType(s.key)}));
  // A master key of weight 0 cannot sign; Horizon leaves it out.
  if (a.thresholds.master > 0 && !a.signers.some((s) => s.key === a.accountId)) {
    signers.push({weight: a.thresholds.master, key: a.accountId, type: signerType(a.accountId)});
  }
  const dataMap: Record<string, string> = {};
  for (const d of data) dataMap[d.name] = Buffer.from(d.value).toString("base64");
  const rec: AccountRecord = {
    _links: {
      self: link(base, self),
      transactions: pagedLink(base, self + "/transactions"),
      operations: pagedLink(base, self + "/operations"),
      payments: pagedLink(base, self + "/payments"),
      effects: pagedLink(base, self + "/effects"),
      offers: pagedLink(base, self + "/offers"),
      trades: pagedLink(base, self + "/trades"),
      data: templatedLink(base, self + "/data/{key}"),
    },
    id: a.accountId,
    account_id: a.accountId,
    sequence: a.seqNum.toString(),
    subentry_count: a.numSubEntries,
    last_modified_ledger: a.lastModifiedLedger,
    last_modified_time: lastModifiedTime === null ? null : isoTime(lastModifiedTime),
    thresholds: {low_threshold: a.thresholds.low, med_threshold: a.thresholds.med, high_threshold: a.thresholds.high},
    flags: {
      auth_required: (a.flags & 1) !== 0,
      auth_revocable: (a.flags & 2) !== 0,
      auth_immutable: (a.flags & 4) !== 0,
      auth_clawback_enabled: (a.flags & 8) !== 0,
    },
    balances: [
      ...[...trustLines].sort(trustLineOrder).map(trustLineBalance),
      {
        balance: formatAmount(a.balance),
        buying_liabilities: formatAmount(a.buyingLiabilities),
        selling_liabilities: formatAmount(a.sellingLiabilities),
        asset_type: "native",
      },
    ],
    signers,
    data: dataMap,
    num_sponsoring: numSponsoring(a),
    num_sponsored: 0,
    paging_token: a.accountId,
  };
  // As Horizon (omitempty): an account whose sequence never moved since CAP-21 has neither.
  if (a.seqLedger !== 0) rec.sequence_ledger = a.seqLedger;
  if (a.seqTime !== 0n) rec.sequence_time = a.seqTime.toString();
  if (a.homeDomain !== "") rec.home_domain = a.homeDomain;
  if (a.inflationDest !== null) rec.inflation_destination = a.inflationDest;
  return rec;
}
