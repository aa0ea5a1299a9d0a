/**
 * The node config file (JSON), for running nodes of one network on separate hosts. Every setting
 * is documented in README ("Node config file"); unknown keys are errors, so a typo never passes
 * silently. Paths are relative to the file's folder.
 */
import {readFileSync} from "node:fs";
import {dirname, resolve} from "node:path";
import {StrKey} from "@stellar/stellar-base";
import type {QuorumSet} from "../scp/types.js";
import {checkQuorumSetSanity} from "../scp/quorum.js";
import {HerderError, HerderErrorCode} from "../herder/errors.js";
import {defaultNodeOptions, type HistoryArchiveConfig, type NodeOptions} from "./options.js";

export interface NodeConfigFile {
  passphrase?: string;
  /** Data folder (default: the config file's folder). */
  data?: string;
  /** Node key secret seed file (default: node.key in the data folder). */
  nodeKeyFile?: string;
  validator?: boolean;
  http?: {host?: string; port?: number};
  peer?: {host?: string; port?: number};
  peers?: string[];
  quorumSet: QuorumSet;
  closeIntervalMs?: number;
  verifyThreads?: number;
  pathThreads?: number;
  friendbot?: boolean;
  logLevel?: string;
  historyRetention?: number;
  entryCacheEntries?: number;
  /** History archive: {"folder"} | {"get", "put", "mkdir"} command templates | {"url"} (read-only). */
  history?: {folder?: string; get?: string; put?: string; mkdir?: string; url?: string};
}

const KEYS = new Set([
  "passphrase",
  "data",
  "nodeKeyFile",
  "validator",
  "http",
  "peer",
  "peers",
  "quorumSet",
  "closeIntervalMs",
  "verifyThreads",
  "pathThreads",
  "friendbot",
  "logLevel",
  "historyRetention",
  "entryCacheEntries",
  "history",
]);

function bad(file: string, why: string): HerderError {
  return new HerderError(HerderErrorCode.BAD_CONFIG, `${file}: ${why}`, {file});
}

function intIn(file: string, v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) throw bad(file, `${name} must be a whole number from ${min} to ${max}`);
  return v as number;
}

function str(file: string, v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.length === 0) throw bad(file, `${name} must be a non-empty string`);
  return v;
}

/** A quorum set from config: validators are G... keys, nested at most 4 levels. */
export function quorumSetOf(file: string, raw: unknown, depth = 0): QuorumSet {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw bad(file, "quorumSet must be an object {threshold, validators, innerSets}");
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!["threshold", "validators", "innerSets"].includes(k)) throw bad(file, `quorumSet has an unknown key "${k}"`);
  if (depth > 4) throw bad(file, "quorumSet nests more than 4 levels");
  const validators = o.validators ?? [];
  const innerSets = o.innerSets ?? [];
  if (!Array.isArray(validators) || !validators.every((v) => typeof v === "string" && StrKey.isValidEd25519PublicKey(v))) {
    throw bad(file, "quorumSet validators must be G... node keys");
  }
  if (!Array.isArray(innerSets)) throw bad(file, "quorumSet innerSets must be a list");
  const q: QuorumSet = {threshold: 0, validators: validators as string[], innerSets: innerSets.map((s: unknown) => quorumSetOf(file, s, depth + 1))};
  const t = intIn(file, o.threshold, "quorumSet threshold", 1, q.validators.length + q.innerSets.length);
  if (t === undefined) throw bad(file, "quorumSet threshold is required");
  q.threshold = t;
  if (depth === 0) {
    const sanity = checkQuorumSetSanity(q);
    if (!sanity.ok) throw bad(file, `quorumSet: ${sanity.reason}`);
  }
  return q;
}

/** The `history` setting: exactly one kind of archive; a folder is relative to the file's folder. */
export function historyOf(file: string, raw: unknown, base: string): HistoryArchiveConfig | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw bad(file, 'history must be an object: {"folder"}, {"get", "put", "mkdir"} or {"url"}');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!["folder", "get", "put", "mkdir", "url"].includes(k)) throw bad(file, `history has an unknown key "${k}"`);
  const folder = str(file, o.folder, "history.folder");
  const url = str(file, o.url, "history.url");
  const get = str(file, o.get, "history.get");
  const put = str(file, o.put, "history.put");
  const mkdir = str(file, o.mkdir, "history.mkdir");
  const kinds = [folder !== undefined, url !== undefined, get !== undefined || put !== undefined || mkdir !== undefined].filter(Boolean).length;
  if (kinds !== 1) throw bad(file, "history names exactly one archive: a folder, a url, or get/put command templates");
  if (folder !== undefined) return {folder: resolve(base, folder)};
  if (url !== undefined) {
    if (!/^https?:\/\/\S+$/i.test(url)) throw bad(file, "history.url must be an http(s) URL");
    return {url};
  }
  if (get === undefined && put === undefined) throw bad(file, "history needs a get or a put template besides mkdir");
  for (const [name, t] of [["get", get], ["put", put]] as const) {
    if (t !== undefined && !(t.includes("{0}") && t.includes("{1}"))) throw bad(file, `history.${name} must use {0} and {1}`);
  }
  if (mkdir !== undefined && !mkdir.includes("{0}")) throw bad(file, "history.mkdir must use {0}");
  return {...(get !== undefined ? {get} : {}), ...(put !== undefined ? {put} : {}), ...(mkdir !== undefined ? {mkdir} : {})};
}

/** Reads and checks a config file; returns the node options it sets. */
export function loadNodeConfig(file: string): Partial<NodeOptions> & {dataDir: string} {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw bad(file, `not a readable JSON file: ${(err as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw bad(file, "must hold a JSON object");
  const c = raw as Record<string, unknown>;
  for (const k of Object.keys(c)) if (!KEYS.has(k)) throw bad(file, `unknown setting "${k}"`);
  const base = dirname(resolve(file));
  const dataDir = resolve(base, str(file, c.data, "data") ?? ".");
  const http = (c.http ?? {}) as Record<string, unknown>;
  const peer = (c.peer ?? {}) as Record<string, unknown>;
  if (c.validator !== undefined && typeof c.validator !== "boolean") throw bad(file, "validator must be true or false");
  if (c.friendbot !== undefined && typeof c.friendbot !== "boolean") throw bad(file, "friendbot must be true or false");
  const peers = c.peers ?? [];
  if (!Array.isArray(peers) || !peers.every((p) => typeof p === "string" && /^(G[A-Z2-7]{55}@)?[^\s@]+:\d{1,5}$/.test(p))) {
    throw bad(file, 'peers must be a list of "host:port" or "G...@host:port"');
  }
  const nodeKeyFile = str(file, c.nodeKeyFile, "nodeKeyFile");
  const passphrase = str(file, c.passphrase, "passphrase");
  const history = historyOf(file, c.history, base);
  const out: Partial<NodeOptions> & {dataDir: string} = {
    dataDir,
    host: str(file, http.host, "http.host") ?? "127.0.0.1",
    port: intIn(file, http.port, "http.port", 0, 65535) ?? defaultNodeOptions.port,
    closeIntervalMs: intIn(file, c.closeIntervalMs, "closeIntervalMs", 10, 3_600_000) ?? defaultNodeOptions.closeIntervalMs,
    verifyThreads: intIn(file, c.verifyThreads, "verifyThreads", 0, 64) ?? defaultNodeOptions.verifyThreads,
    pathThreads: intIn(file, c.pathThreads, "pathThreads", 0, 64) ?? defaultNodeOptions.pathThreads,
    friendbot: (c.friendbot as boolean | undefined) ?? defaultNodeOptions.friendbot,
    logLevel: str(file, c.logLevel, "logLevel") ?? defaultNodeOptions.logLevel,
    historyRetention: intIn(file, c.historyRetention, "historyRetention", 0, 2 ** 32 - 1) ?? defaultNodeOptions.historyRetention,
    entryCacheEntries: intIn(file, c.entryCacheEntries, "entryCacheEntries", 0, 100_000_000) ?? defaultNodeOptions.entryCacheEntries,
    network: {
      validator: (c.validator as boolean | undefined) ?? true,
      quorumSet: quorumSetOf(file, c.quorumSet),
      peerHost: str(file, peer.host, "peer.host") ?? "127.0.0.1",
      peerPort: intIn(file, peer.port, "peer.port", 0, 65535) ?? 11625,
      peers: peers as string[],
      ...(nodeKeyFile !== undefined ? {nodeKeyFile: resolve(base, nodeKeyFile)} : {}),
      ...(history !== undefined ? {history} : {}),
    },
  };
  if (passphrase !== undefined) out.genesis = {...defaultNodeOptions.genesis, passphrase};
  return out;
}
