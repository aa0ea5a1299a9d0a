/**
 * `diamante wallet CMD`: keys kept in encrypted keystores (keystore.ts) and a Horizon client for
 * the node. Every command has `--json` (one JSON document on stdout; `watch` prints one object per
 * line). Errors go to stderr with a code (as JSON with `--json`) and a non-zero exit: 2 for usage
 * errors, which are found before anything is read or sent.
 */
import {homedir} from "node:os";
import {join} from "node:path";
import {parseArgs} from "node:util";
import {randomBytes} from "node:crypto";
import {Asset, Horizon, Operation, type xdr} from "@stellar/stellar-sdk";
import {DiamanteError} from "../util/errors.js";
import {assetLabel, formatAmount, minimumReceive, parseAmount, parseAsset, parseSlippagePpm, amountToStroops, type AssetSpec} from "./amount.js";
import {decodePublicKey, decodeSecretSeed} from "./encoding.js";
import {KeystoreError, WalletError} from "./errors.js";
import type {KeystoreSecret} from "./interface.js";
import {checkKdfParams, createKeystore, openKeystore, parseKeystore} from "./keystore.js";
import {listKeystores, readKeystoreText, writeKeystore} from "./keystore-dir.js";
import {DEFAULT_TX_TIMEOUT_S, WalletNode, keypairOfSeed, type SubmitResult} from "./node-client.js";
import {ACCOUNT_INDEX_MAX, DEFAULT_KDF, NAME_PATTERN, type KdfParams} from "./options.js";
import {promptHidden, readStdin} from "./prompt.js";
import {generateMnemonic, isValidMnemonic} from "./sep5.js";
import {nodeSodium} from "./sodium-node.js";

export const WALLET_USAGE = `diamante wallet <command> [flags]

Commands:
  create [--mnemonic [--show-mnemonic]]   new random key (or 24-word SEP-0005 mnemonic) in a keystore
  import [--account-index N]              a secret key (S…) or mnemonic read from a hidden prompt or stdin
  list                                    keystores in --keystore-dir (no password needed)
  fund                                    create and fund the account with the node's friendbot
  balance                                 balances of the account
  pay --to G… --amount X --asset native|CODE:ISSUER [--receive-asset A [--max-slippage PCT]]
                                          pay; with --receive-asset, quote /paths/strict-send and
                                          send a path payment that must deliver quote × (1 − PCT%)
  trust CODE:ISSUER [--limit X]           add or change a trustline (--limit 0 removes it)
  offer --sell A --buy B --amount X --price P   sell X of A for B at P B per A
  history [--limit N]                     latest payments of the account (default 10, at most 200)
  watch [--count N]                       payments as they happen (SSE), until Ctrl-C or N events

Flags:
  --node URL             Horizon API of a node (default $DIAMANTE_NODE or http://127.0.0.1:8000)
  --keystore-dir DIR     keystore folder (default $DIAMANTE_KEYSTORE_DIR or ~/.diamante/keystore)
  --name NAME            keystore name (every command but list)
  --json                 machine-readable output; errors as JSON on stderr
  --tx-timeout S         seconds of ledger time a transaction stays valid (default ${DEFAULT_TX_TIMEOUT_S})
  --kdf-opslimit N       create/import: Argon2id passes (default ${DEFAULT_KDF.opslimit}, accepted 1..16)
  --kdf-memlimit BYTES   create/import: Argon2id memory (default ${DEFAULT_KDF.memlimit}, accepted 8 MiB..1 GiB)
                         (lower them only for tests; the defaults are what protects the key)

The password comes from a hidden prompt or from DIAMANTE_WALLET_PASSWORD (for scripts).
Secrets are never accepted as arguments.
`;

const FLAGS = {
  node: {type: "string"},
  "keystore-dir": {type: "string"},
  name: {type: "string"},
  json: {type: "boolean"},
  "tx-timeout": {type: "string"},
  "kdf-opslimit": {type: "string"},
  "kdf-memlimit": {type: "string"},
  mnemonic: {type: "boolean"},
  "show-mnemonic": {type: "boolean"},
  "account-index": {type: "string"},
  to: {type: "string"},
  amount: {type: "string"},
  asset: {type: "string"},
  "receive-asset": {type: "string"},
  "max-slippage": {type: "string"},
  limit: {type: "string"},
  sell: {type: "string"},
  buy: {type: "string"},
  price: {type: "string"},
  count: {type: "string"},
  help: {type: "boolean", short: "h"},
} as const;

type FlagName = keyof typeof FLAGS;
const COMMON: FlagName[] = ["node", "keystore-dir", "name", "json", "help"];
const SUBMITS: FlagName[] = ["tx-timeout"];
const COMMAND_FLAGS: Record<string, FlagName[]> = {
  create: ["mnemonic", "show-mnemonic", "kdf-opslimit", "kdf-memlimit"],
  import: ["account-index", "kdf-opslimit", "kdf-memlimit"],
  list: [],
  fund: [],
  balance: [],
  pay: ["to", "amount", "asset", "receive-asset", "max-slippage", ...SUBMITS],
  trust: ["limit", ...SUBMITS],
  offer: ["sell", "buy", "amount", "price", ...SUBMITS],
  history: ["limit"],
  watch: ["count"],
};
const POSITIONALS: Record<string, number> = {trust: 1};

type Values = {[K in FlagName]?: (typeof FLAGS)[K]["type"] extends "boolean" ? boolean : string};

function usage(message: string): WalletError {
  return new WalletError("usage", message);
}

function intFlag(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,15}$/.test(v)) throw usage(`--${name} must be a whole number, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw usage(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function sdkAsset(a: AssetSpec): Asset {
  return a.type === "native" ? Asset.native() : new Asset(a.code, a.issuer);
}

/** Horizon's query form of an asset: "native" or "CODE:ISSUER". */
function assetQuery(a: AssetSpec): string {
  return a.type === "native" ? "native" : `${a.code}:${a.issuer}`;
}

interface HorizonAsset {
  asset_type: string;
  asset_code?: string;
  asset_issuer?: string;
}

function specOf(r: HorizonAsset): AssetSpec {
  return r.asset_type === "native" ? {type: "native"} : {type: "credit", code: String(r.asset_code), issuer: String(r.asset_issuer)};
}

interface Ctx {
  values: Values;
  positionals: string[];
  json: boolean;
  node: WalletNode;
  dir: string;
  out(human: string, json: unknown): void;
  note(text: string): void;
}

/** Runs one wallet command; resolves to the exit code. */
export async function runWalletCommand(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  try {
    return await dispatch(argv, json);
  } catch (e) {
    return reportError(e, json);
  }
}

function reportError(e: unknown, json: boolean): number {
  const usageError = e instanceof WalletError && e.code === "usage";
  // bad_input: an argument the keystore refused (e.g. an empty password) - the caller's mistake too.
  const exit = usageError || (e instanceof KeystoreError && e.code === "bad_input") ? 2 : 1;
  if (e instanceof DiamanteError) {
    if (json) process.stderr.write(JSON.stringify({error: {code: e.code, message: e.message, ...(Object.keys(e.meta).length ? {meta: e.meta} : {})}}) + "\n");
    else process.stderr.write(`diamante wallet: ${e.message}${usageError ? "" : ` (${e.code})`}\n`);
    return exit;
  }
  const err = e as Error;
  if (json) process.stderr.write(JSON.stringify({error: {code: "internal", message: err.message ?? String(e)}}) + "\n");
  else process.stderr.write(`diamante wallet: ${err.stack ?? String(e)}\n`);
  return 1;
}

async function dispatch(argv: string[], json: boolean): Promise<number> {
  let values: Values;
  let all: string[];
  try {
    ({values, positionals: all} = parseArgs({args: argv, options: FLAGS, strict: true, allowPositionals: true}) as {values: Values; positionals: string[]});
  } catch (e) {
    throw usage((e as Error).message);
  }
  // The command is the first word that is not a flag, so flags may come before it too.
  const [command, ...positionals] = all;
  if (!command || command === "help") {
    process.stdout.write(WALLET_USAGE);
    return 0;
  }
  const allowed = COMMAND_FLAGS[command];
  if (!allowed) throw usage(`unknown wallet command "${command}"; see \`diamante wallet help\``);
  if (values.help) {
    process.stdout.write(WALLET_USAGE);
    return 0;
  }
  for (const k of Object.keys(values) as FlagName[]) {
    if (!COMMON.includes(k) && !allowed.includes(k)) throw usage(`--${k} does not apply to \`wallet ${command}\``);
  }
  if (positionals.length !== (POSITIONALS[command] ?? 0)) {
    throw usage(positionals.length ? `unexpected argument${positionals.length > 1 ? "s" : ""} for \`wallet ${command}\` (secrets are read from a prompt or stdin, never from arguments)` : `\`wallet ${command}\` needs an argument; see \`diamante wallet help\``);
  }
  if (command !== "list") {
    if (values.name === undefined) throw usage(`\`wallet ${command}\` needs --name NAME`);
    if (!NAME_PATTERN.test(values.name)) throw usage(`--name must be 1-64 characters of A-Z a-z 0-9 . _ - not starting with ".", got "${values.name}"`);
  }
  const nodeUrl = values.node ?? process.env.DIAMANTE_NODE ?? "http://127.0.0.1:8000";
  if (!/^https?:\/\/[^\s/]+/.test(nodeUrl)) throw usage(`--node must be an http(s) URL, got "${nodeUrl}"`);
  const ctx: Ctx = {
    values,
    positionals,
    json,
    node: new WalletNode(nodeUrl),
    dir: values["keystore-dir"] ?? process.env.DIAMANTE_KEYSTORE_DIR ?? join(homedir(), ".diamante", "keystore"),
    out(human, doc) {
      process.stdout.write(json ? JSON.stringify(doc) + "\n" : human.endsWith("\n") ? human : human + "\n");
    },
    note(text) {
      if (!json) process.stderr.write(`${text}\n`);
    },
  };
  switch (command) {
    case "create":
      return create(ctx);
    case "import":
      return importSecret(ctx);
    case "list":
      return list(ctx);
    case "fund":
      return fund(ctx);
    case "balance":
      return balance(ctx);
    case "pay":
      return pay(ctx);
    case "trust":
      return trust(ctx);
    case "offer":
      return offer(ctx);
    case "history":
      return history(ctx);
    case "watch":
      return watch(ctx);
  }
  throw usage(`unknown wallet command "${command}"`);
}

function kdfFromFlags(v: Values): KdfParams {
  const opslimit = v["kdf-opslimit"] === undefined ? DEFAULT_KDF.opslimit : intFlag(v["kdf-opslimit"], "kdf-opslimit", 0, 2 ** 32);
  const memlimit = v["kdf-memlimit"] === undefined ? DEFAULT_KDF.memlimit : intFlag(v["kdf-memlimit"], "kdf-memlimit", 0, 2 ** 48);
  try {
    return checkKdfParams({opslimit, memlimit});
  } catch (e) {
    if (e instanceof KeystoreError) throw usage(e.message.replace(/^kdf /, "--kdf-"));
    throw e;
  }
}

async function password(confirm: boolean): Promise<string> {
  const env = process.env.DIAMANTE_WALLET_PASSWORD;
  if (env !== undefined && env !== "") return env;
  const first = await promptHidden("keystore password: ");
  if (confirm) {
    const again = await promptHidden("repeat the password: ");
    if (again !== first) throw usage("the passwords differ; nothing was written");
  }
  return first;
}

function keystoreName(ctx: Ctx): string {
  return ctx.values.name as string;
}

function saveNew(ctx: Ctx, secret: KeystoreSecret, pw: string, kdf: KdfParams) {
  const file = createKeystore(nodeSodium, {name: keystoreName(ctx), secret, password: pw, kdf});
  const path = writeKeystore(ctx.dir, file);
  return {file, path};
}

async function create(ctx: Ctx): Promise<number> {
  const kdf = kdfFromFlags(ctx.values);
  if (ctx.values["show-mnemonic"] && !ctx.values.mnemonic) throw usage("--show-mnemonic goes with --mnemonic");
  assertNoKeystore(ctx);
  const pw = await password(true);
  let secret: KeystoreSecret;
  let mnemonic: string | undefined;
  if (ctx.values.mnemonic) {
    mnemonic = generateMnemonic(24);
    secret = {kind: "mnemonic", mnemonic, accountIndex: 0};
  } else {
    secret = {kind: "key", seed: new Uint8Array(randomBytes(32))};
  }
  const {file, path} = saveNew(ctx, secret, pw, kdf);
  if (secret.kind === "key") secret.seed.fill(0);
  const shown = ctx.values["show-mnemonic"] ? mnemonic : undefined;
  ctx.out(
    `created ${file.name} (${file.kind}) ${file.public_key}\nkeystore ${path}` +
      (shown ? `\nmnemonic (write it down, it is the only backup outside the keystore):\n${shown}` : ""),
    {name: file.name, kind: file.kind, public_key: file.public_key, ...(file.account_index !== undefined ? {account_index: file.account_index} : {}), file: path, ...(shown ? {mnemonic: shown} : {})},
  );
  return 0;
}

function assertNoKeystore(ctx: Ctx): void {
  try {
    readKeystoreText(ctx.dir, keystoreName(ctx));
  } catch (e) {
    if (e instanceof WalletError && e.code === "keystore_not_found") return;
    throw e;
  }
  throw new WalletError("keystore_exists", `a keystore named "${keystoreName(ctx)}" already exists in ${ctx.dir}; choose another --name`);
}

async function importSecret(ctx: Ctx): Promise<number> {
  const kdf = kdfFromFlags(ctx.values);
  const index = intFlag(ctx.values["account-index"], "account-index", 0, ACCOUNT_INDEX_MAX);
  assertNoKeystore(ctx);
  const text = process.stdin.isTTY ? await promptHidden("secret key (S…) or mnemonic: ") : await readStdin();
  let secret: KeystoreSecret;
  if (/^S[A-Z2-7]{55}$/.test(text)) {
    if (index !== undefined) throw usage("--account-index applies to mnemonics, not to a secret key");
    const seed = decodeSecretSeed(text);
    if (!seed) throw usage("that secret key has a bad checksum; nothing was written");
    secret = {kind: "key", seed};
  } else if (isValidMnemonic(text)) {
    secret = {kind: "mnemonic", mnemonic: text, accountIndex: index ?? 0};
  } else {
    throw usage("expected a secret key (S…, 56 characters) or a BIP-39 English mnemonic on stdin; nothing was written");
  }
  const pw = await password(true);
  const {file, path} = saveNew(ctx, secret, pw, kdf);
  if (secret.kind === "key") secret.seed.fill(0);
  ctx.out(`imported ${file.name} (${file.kind}) ${file.public_key}\nkeystore ${path}`, {
    name: file.name,
    kind: file.kind,
    public_key: file.public_key,
    ...(file.account_index !== undefined ? {account_index: file.account_index} : {}),
    file: path,
  });
  return 0;
}

function list(ctx: Ctx): number {
  const all = listKeystores(ctx.dir);
  const lines = all.map((k) => (k.error ? `${k.file}\tunreadable: ${k.error.message} (${k.error.code})` : `${k.name}\t${k.kind}\t${k.public_key}`));
  ctx.out(lines.length ? lines.join("\n") : `no keystores in ${ctx.dir}`, {keystore_dir: ctx.dir, keystores: all});
  return 0;
}

/** The public key from the keystore's clear field: no password for read-only commands. */
function publicKeyOf(ctx: Ctx): string {
  return parseKeystore(readKeystoreText(ctx.dir, keystoreName(ctx))).public_key;
}

async function fund(ctx: Ctx): Promise<number> {
  const pk = publicKeyOf(ctx);
  const r = await ctx.node.friendbot(pk);
  ctx.out(`funded ${pk} (transaction ${r.hash})`, {public_key: pk, hash: r.hash});
  return 0;
}

async function balance(ctx: Ctx): Promise<number> {
  const pk = publicKeyOf(ctx);
  const acc = await ctx.node.account(pk);
  const rows = acc.balances.map((b) => ({
    asset: b.asset_type === "native" ? "native" : b.asset_type === "liquidity_pool_shares" ? `pool:${b.liquidity_pool_id}` : `${b.asset_code}:${b.asset_issuer}`,
    balance: b.balance,
    ...(b.limit !== undefined ? {limit: b.limit} : {}),
  }));
  ctx.out(rows.map((r) => `${r.balance.padStart(20)}  ${r.asset === "native" ? "DIAM" : r.asset}${r.limit ? `  (limit ${r.limit})` : ""}`).join("\n"), {public_key: pk, balances: rows});
  return 0;
}

/** Opens the keystore (password needed) and runs `fn` with its keypair; zeroes the seed after. */
async function withSigner<T>(ctx: Ctx, fn: (kp: ReturnType<typeof keypairOfSeed>) => Promise<T>): Promise<T> {
  const text = readKeystoreText(ctx.dir, keystoreName(ctx));
  parseKeystore(text); // shape errors before asking for a password
  const opened = openKeystore(nodeSodium, text, await password(false));
  const kp = keypairOfSeed(opened.secretSeed);
  opened.secretSeed.fill(0);
  return fn(kp);
}

function submitted(ctx: Ctx, what: string, r: SubmitResult, extra: Record<string, unknown>): number {
  ctx.out(`${what}\ntransaction ${r.hash} in ledger ${r.ledger}${r.attempts > 1 ? ` (${r.attempts} submissions of the same envelope)` : ""}${r.rebuilt ? " (rebuilt once after tx_bad_seq)" : ""}`, {
    hash: r.hash,
    ledger: r.ledger,
    attempts: r.attempts,
    rebuilt: r.rebuilt,
    ...extra,
  });
  return 0;
}

function txTimeout(v: Values): number {
  return intFlag(v["tx-timeout"], "tx-timeout", 5, 86_400) ?? DEFAULT_TX_TIMEOUT_S;
}

async function pay(ctx: Ctx): Promise<number> {
  const v = ctx.values;
  if (v.to === undefined || v.amount === undefined || v.asset === undefined) throw usage("`wallet pay` needs --to G…, --amount X and --asset native|CODE:ISSUER");
  const to = v.to;
  if (!decodePublicKey(to)) throw usage(`--to must be a G… address (56 characters, valid checksum), got "${to}"`);
  const amount = parseAmount(v.amount, "amount");
  const asset = parseAsset(v.asset, "asset");
  const receive = v["receive-asset"] === undefined ? undefined : parseAsset(v["receive-asset"], "receive-asset");
  if (v["max-slippage"] !== undefined && receive === undefined) throw usage("--max-slippage goes with --receive-asset");
  const slippage = parseSlippagePpm(v["max-slippage"] ?? "1");
  const timeoutS = txTimeout(v);

  if (receive === undefined) {
    return withSigner(ctx, async (kp) => {
      const r = await ctx.node.submit(kp, [Operation.payment({destination: to, asset: sdkAsset(asset), amount: formatAmount(amount)})], {timeoutS, onNote: ctx.note});
      return submitted(ctx, `paid ${formatAmount(amount)} ${assetLabel(asset)} to ${to}`, r, {from: kp.publicKey(), to, amount: formatAmount(amount), asset: assetQuery(asset)});
    });
  }
  return withSigner(ctx, async (kp) => {
    const q = new URLSearchParams({source_amount: formatAmount(amount), destination_assets: assetQuery(receive)});
    if (asset.type === "native") q.set("source_asset_type", "native");
    else {
      q.set("source_asset_type", asset.code.length <= 4 ? "credit_alphanum4" : "credit_alphanum12");
      q.set("source_asset_code", asset.code);
      q.set("source_asset_issuer", asset.issuer);
    }
    const page = await ctx.node.getJson<{_embedded: {records: (HorizonAsset & {destination_amount: string; destination_asset_type: string; destination_asset_code?: string; destination_asset_issuer?: string; path: HorizonAsset[]})[]}}>(`/paths/strict-send?${q}`);
    const wanted = assetQuery(receive);
    const routes = (page?._embedded.records ?? []).filter(
      (r) => assetQuery(specOf({asset_type: r.destination_asset_type, asset_code: r.destination_asset_code, asset_issuer: r.destination_asset_issuer})) === wanted,
    );
    if (!routes.length) throw new WalletError("no_path", `no path turns ${formatAmount(amount)} ${assetLabel(asset)} into ${assetLabel(receive)} on this node's order books`);
    const best = routes.reduce((a, b) => (amountToStroops(b.destination_amount) > amountToStroops(a.destination_amount) ? b : a));
    const quote = amountToStroops(best.destination_amount);
    const destMin = minimumReceive(quote, slippage);
    if (destMin <= 0n) throw usage(`with --max-slippage ${v["max-slippage"]} the minimum to receive rounds to 0; lower the slippage`);
    const path = best.path.map((p) => sdkAsset(specOf(p)));
    ctx.note(`quote: ${formatAmount(amount)} ${assetLabel(asset)} → ${best.destination_amount} ${assetLabel(receive)} via [${best.path.map((p) => assetLabel(specOf(p))).join(", ")}]; at least ${formatAmount(destMin)}`);
    const op = Operation.pathPaymentStrictSend({
      sendAsset: sdkAsset(asset),
      sendAmount: formatAmount(amount),
      destination: to,
      destAsset: sdkAsset(receive),
      destMin: formatAmount(destMin),
      path,
    });
    const r = await ctx.node.submit(kp, [op], {timeoutS, onNote: ctx.note});
    return submitted(ctx, `sent ${formatAmount(amount)} ${assetLabel(asset)} to ${to}, to arrive as at least ${formatAmount(destMin)} ${assetLabel(receive)}`, r, {
      from: kp.publicKey(),
      to,
      amount: formatAmount(amount),
      asset: assetQuery(asset),
      receive_asset: wanted,
      quote: best.destination_amount,
      dest_min: formatAmount(destMin),
      path: best.path.map((p) => assetQuery(specOf(p))),
    });
  });
}

async function trust(ctx: Ctx): Promise<number> {
  const asset = parseAsset(ctx.positionals[0], "trust asset");
  if (asset.type === "native") throw usage("DIAM needs no trustline; give CODE:ISSUER");
  const limitText = ctx.values.limit;
  const limit = limitText === undefined ? undefined : /^0+(\.0+)?$/.test(limitText) ? "0" : formatAmount(parseAmount(limitText, "limit"));
  return withSigner(ctx, async (kp) => {
    const r = await ctx.node.submit(kp, [Operation.changeTrust({asset: sdkAsset(asset), ...(limit !== undefined ? {limit} : {})})], {timeoutS: txTimeout(ctx.values), onNote: ctx.note});
    return submitted(ctx, limit === "0" ? `removed the trustline to ${assetLabel(asset)}` : `trusts ${assetLabel(asset)}${limit ? ` up to ${limit}` : ""}`, r, {asset: assetQuery(asset), limit: limit ?? null});
  });
}

async function offer(ctx: Ctx): Promise<number> {
  const v = ctx.values;
  if (v.sell === undefined || v.buy === undefined || v.amount === undefined || v.price === undefined) throw usage("`wallet offer` needs --sell A --buy B --amount X --price P");
  const selling = parseAsset(v.sell, "sell");
  const buying = parseAsset(v.buy, "buy");
  if (assetQuery(selling) === assetQuery(buying)) throw usage("--sell and --buy must be different assets");
  const amount = parseAmount(v.amount, "amount");
  if (!/^\d{1,10}(\.\d{1,7})?$/.test(v.price) || /^0+(\.0+)?$/.test(v.price)) throw usage(`--price must be a positive number with at most 7 decimals, got "${v.price}"`);
  const price = v.price;
  return withSigner(ctx, async (kp) => {
    const op: xdr.Operation = Operation.manageSellOffer({selling: sdkAsset(selling), buying: sdkAsset(buying), amount: formatAmount(amount), price, offerId: "0"});
    const r = await ctx.node.submit(kp, [op], {timeoutS: txTimeout(v), onNote: ctx.note});
    return submitted(ctx, `offered ${formatAmount(amount)} ${assetLabel(selling)} for ${assetLabel(buying)} at ${price}`, r, {
      selling: assetQuery(selling),
      buying: assetQuery(buying),
      amount: formatAmount(amount),
      price,
    });
  });
}

interface PaymentRecord {
  id: string;
  paging_token: string;
  type: string;
  created_at: string;
  transaction_hash: string;
  from?: string;
  to?: string;
  funder?: string;
  account?: string;
  starting_balance?: string;
  amount?: string;
  asset_type?: string;
  asset_code?: string;
  asset_issuer?: string;
  source_amount?: string;
  source_asset_type?: string;
  source_asset_code?: string;
  source_asset_issuer?: string;
}

/** One payment-like operation as the wallet shows it (create_account, payment, path payments, merges). */
function paymentView(r: PaymentRecord) {
  const created = r.type === "create_account";
  const view = {
    id: r.id,
    type: r.type,
    created_at: r.created_at,
    transaction_hash: r.transaction_hash,
    from: created ? r.funder : r.from,
    to: created ? r.account : r.to,
    amount: created ? r.starting_balance : r.amount,
    asset: created ? "native" : r.asset_type ? assetQuery(specOf(r as HorizonAsset)) : undefined,
    ...(r.source_amount !== undefined
      ? {source_amount: r.source_amount, source_asset: assetQuery(specOf({asset_type: String(r.source_asset_type), asset_code: r.source_asset_code, asset_issuer: r.source_asset_issuer}))}
      : {}),
  };
  const label = (a: string | undefined) => (a === "native" ? "DIAM" : a ?? "");
  const line = `${r.created_at}  ${r.type}  ${view.from ?? "?"} → ${view.to ?? "?"}  ${view.amount ?? ""} ${label(view.asset)}${view.source_amount ? ` (sent ${view.source_amount} ${label(view.source_asset)})` : ""}`;
  return {view, line};
}

async function history(ctx: Ctx): Promise<number> {
  const limit = intFlag(ctx.values.limit, "limit", 1, 200) ?? 10;
  const pk = publicKeyOf(ctx);
  await ctx.node.account(pk);
  const page = await ctx.node.getJson<{_embedded: {records: PaymentRecord[]}}>(`/accounts/${pk}/payments?order=desc&limit=${limit}`);
  const items = (page?._embedded.records ?? []).map(paymentView);
  ctx.out(items.length ? items.map((i) => i.line).join("\n") : `no payments for ${pk}`, {public_key: pk, payments: items.map((i) => i.view)});
  return 0;
}

async function watch(ctx: Ctx): Promise<number> {
  const count = intFlag(ctx.values.count, "count", 1, 1_000_000);
  const pk = publicKeyOf(ctx);
  await ctx.node.account(pk);
  // Start after the newest payment seen now, not at "now": nothing that happens between this
  // read and the stream's connection is missed.
  const latest = await ctx.node.getJson<{_embedded: {records: PaymentRecord[]}}>(`/accounts/${pk}/payments?order=desc&limit=1`);
  const cursor = latest?._embedded.records[0]?.paging_token ?? "0";
  const server = new Horizon.Server(ctx.node.url, {allowHttp: ctx.node.url.startsWith("http://")});
  let seen = 0;
  let close: () => void = () => {};
  await new Promise<void>((resolve) => {
    const stop = () => {
      close();
      process.removeListener("SIGINT", stop);
      process.removeListener("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    let errors = 0;
    close = server
      .payments()
      .forAccount(pk)
      .cursor(cursor)
      .stream({
        onmessage: (rec) => {
          errors = 0;
          const {view, line} = paymentView(rec as unknown as PaymentRecord);
          process.stdout.write(ctx.json ? JSON.stringify(view) + "\n" : line + "\n");
          seen++;
          if (count !== undefined && seen >= count) stop();
        },
        onerror: () => {
          // The SDK's EventSource reconnects from the last event id by itself; say so once.
          if (errors++ === 0) ctx.note("stream interrupted; reconnecting");
        },
      });
    ctx.note(`watching payments of ${pk} (Ctrl-C to stop)`);
  });
  return 0;
}
