/**
 * PayCircle: a multi-currency payment wallet in the browser. Keys are created or unlocked in the
 * page (keystore v1) and never leave it; everything else is the node's Horizon API through the
 * public SDK: live balances over the account's stream, payments and path payments quoted with
 * /paths, trustlines, deposits and withdrawals with the asset's anchor (SEP-1 + SEP-6), history.
 */
import "../shared/base.css";
import {Asset, Memo, Operation, StrKey, type Horizon, type xdr} from "@stellar/stellar-sdk";
import qrcode from "qrcode-generator";
import {Chain, SubmitError, assetFromKey, assetKey, assetLabel, assetOfRecord, shortKey} from "../shared/horizon.js";
import {formatAmount, lessSlippage, parseAmount, parsePercentBps, plusSlippage, rate, toAmountString} from "../shared/amount.js";
import {byId, h, messageOf, say} from "../shared/dom.js";
import {mountKeyPanel, type Unlocked} from "../shared/keys.js";
import {FINAL_STATUSES, discoverAnchor, listTransfers, requestDeposit, requestWithdraw, transferStatus, type AnchorInfo, type TransferRecord} from "./anchor-client.js";

/** History page size: one screen. */
const HISTORY_PAGE = 10;
/** How often an open deposit or withdrawal is asked for its status (the anchor acts within a ledger or two). */
const TRANSFER_POLL_MS = 1000;
/** A new account is looked for this often until a funding payment creates it. */
const FUNDING_POLL_MS = 2000;
const SLIPPAGE_KEY = "paycircle.slippage";

type Balance = Horizon.HorizonApi.BalanceLine;
type PaymentRecord = Horizon.ServerApi.PaymentOperationRecord | Horizon.ServerApi.CreateAccountOperationRecord | Horizon.ServerApi.AccountMergeOperationRecord | Horizon.ServerApi.PathPaymentOperationRecord | Horizon.ServerApi.PathPaymentStrictSendOperationRecord;

interface NetworkAsset {
  asset: Asset;
  anchorDomain: string;
}

interface Quote {
  /** The inputs it was made for: any change needs a new review. */
  inputs: string;
  op: xdr.Operation;
}

let chain: Chain;
let me: Unlocked | null = null;
let balances: Balance[] = [];
let networkAssets: NetworkAsset[] = [];
let quote: Quote | null = null;
const closers: (() => void)[] = [];
const timers = new Set<ReturnType<typeof setInterval>>();

function keyOfBalance(b: Balance): string {
  return b.asset_type === "native" ? "native" : `${(b as {asset_code: string}).asset_code}:${(b as {asset_issuer: string}).asset_issuer}`;
}

function trusts(asset: Asset): boolean {
  return asset.isNative() || balances.some((b) => keyOfBalance(b) === assetKey(asset));
}

// ---- balances -------------------------------------------------------------------------------

function renderBalances(list: Balance[], ledger: number): void {
  balances = list.filter((b) => b.asset_type === "native" || b.asset_type === "credit_alphanum4" || b.asset_type === "credit_alphanum12");
  // DIAM first, then credit by code.
  balances.sort((a, b) => (a.asset_type === "native" ? -1 : b.asset_type === "native" ? 1 : keyOfBalance(a).localeCompare(keyOfBalance(b))));
  byId("balances").replaceChildren(
    ...balances.map((b) => {
      const key = keyOfBalance(b);
      const issuer = key === "native" ? "" : key.split(":")[1] ?? "";
      return h("tr", {"data-asset": key, "data-amount": b.balance},
        h("td", {}, assetLabel(key)),
        h("td", {class: "num amount"}, formatAmount(b.balance)),
        h("td", {title: issuer}, issuer === "" ? "native" : shortKey(issuer)),
      );
    }),
  );
  say(byId("balances-status"), `live · ledger ${ledger}`, "");
  byId("balances-status").className = "status muted";
  fillAssetSelects();
  renderNetworkAssets();
}

function fillSelect(sel: HTMLSelectElement, keys: string[]): void {
  const keep = sel.value;
  sel.replaceChildren(...keys.map((k) => h("option", {value: k}, k === "native" ? "DIAM" : `${assetLabel(k)} (${shortKey(k.split(":")[1] ?? "")})`)));
  if (keys.includes(keep)) sel.value = keep;
}

function fillAssetSelects(): void {
  fillSelect(byId<HTMLSelectElement>("send-asset"), balances.map(keyOfBalance));
  const recv = new Set<string>(["native", ...balances.map(keyOfBalance), ...networkAssets.map((a) => assetKey(a.asset))]);
  fillSelect(byId<HTMLSelectElement>("recv-asset"), [...recv]);
  const anchored = networkAssets.filter((a) => a.anchorDomain !== "").map((a) => assetKey(a.asset));
  const sel = byId<HTMLSelectElement>("anchor-asset");
  const before = sel.value;
  fillSelect(sel, anchored);
  if (sel.value !== before) void showAnchor();
}

async function loadAccountOnce(id: string): Promise<boolean> {
  const acc = await chain.account(id);
  if (acc === null) return false;
  renderBalances(acc.balances, acc.last_modified_ledger);
  return true;
}

/** Balances follow the account's stream: one event per ledger that changes the account or a trustline. */
function followAccount(id: string): void {
  const close = chain.server
    .accounts()
    .accountId(id)
    .stream({
      onmessage: (acc) => {
        const rec = acc as unknown as {balances: Balance[]; last_modified_ledger: number};
        renderBalances(rec.balances, rec.last_modified_ledger);
      },
      onerror: () => {
        // The SDK reconnects by itself; the balances stay as last shown until it does.
      },
    });
  closers.push(close);
  const closePayments = chain.server
    .payments()
    .forAccount(id)
    .cursor("now")
    .stream({
      onmessage: () => {
        if (historyOnFirstPage) void loadHistory("first");
      },
      onerror: () => {},
    });
  closers.push(closePayments);
}

async function startAccount(id: string): Promise<void> {
  if (await loadAccountOnce(id)) {
    byId("fund").hidden = true;
    followAccount(id);
    return;
  }
  say(byId("balances-status"), "This account does not exist yet: someone must send it DIAM (at least 1 DIAM) to create it.", "busy");
  byId("fund").hidden = false;
  const timer = setInterval(() => {
    void loadAccountOnce(id).then((exists) => {
      if (!exists || !timers.has(timer)) return;
      clearInterval(timer);
      timers.delete(timer);
      byId("fund").hidden = true;
      followAccount(id);
      void loadHistory("first");
    });
  }, FUNDING_POLL_MS);
  timers.add(timer);
}

// ---- receive --------------------------------------------------------------------------------

function renderReceive(address: string): void {
  byId("address").textContent = address;
  const qr = qrcode(0, "M");
  qr.addData(address);
  qr.make();
  byId("qr").replaceChildren(h("img", {id: "qr-img", src: qr.createDataURL(4, 2), alt: `QR code of ${address}`, width: String(qr.getModuleCount() * 4 + 16)}));
}

// ---- assets and trustlines ------------------------------------------------------------------

async function loadNetworkAssets(): Promise<void> {
  const page = await chain.server.assets().limit(200).call();
  networkAssets = page.records.map((r) => ({
    asset: new Asset(r.asset_code, r.asset_issuer),
    // Horizon's toml link is https://DOMAIN/.well-known/stellar.toml (or empty without a home domain).
    anchorDomain: /^https?:\/\/([^/]+)\//.exec((r._links as unknown as {toml?: {href?: string}}).toml?.href ?? "")?.[1] ?? "",
  }));
  fillAssetSelects();
  renderNetworkAssets();
}

function renderNetworkAssets(): void {
  byId("assets").replaceChildren(
    ...networkAssets.map(({asset, anchorDomain}) => {
      const key = assetKey(asset);
      const action = trusts(asset)
        ? h("span", {class: "muted"}, "trusted")
        : h("button", {type: "button", class: "secondary trust-btn", "data-asset": key}, "Trust");
      return h("tr", {"data-asset": key}, h("td", {}, asset.getCode()), h("td", {title: asset.getIssuer()}, shortKey(asset.getIssuer())), h("td", {}, anchorDomain || "–"), h("td", {}, action));
    }),
  );
}

async function addTrustline(asset: Asset, limit: string | undefined, status: HTMLElement): Promise<boolean> {
  if (me === null) return false;
  try {
    say(status, `Adding a trustline to ${asset.getCode()}…`, "busy");
    await chain.submit(me.keypair, [Operation.changeTrust({asset, ...(limit !== undefined ? {limit} : {})})]);
    say(status, `You now trust ${asset.getCode()} of ${shortKey(asset.getIssuer())}.`, "ok");
    return true;
  } catch (err) {
    say(status, messageOf(err), "error");
    return false;
  }
}

// ---- send -----------------------------------------------------------------------------------

function sendInputs(): string {
  return ["send-to", "send-asset", "recv-asset", "send-mode", "send-amount", "slippage"].map((id) => byId<HTMLInputElement>(id).value).join("|");
}

function pathLabel(from: Asset, path: Asset[], to: Asset): string {
  return [from, ...path, to].map((a) => assetLabel(a)).join(" → ");
}

async function review(): Promise<void> {
  const status = byId("send-status");
  const out = byId("quote-out");
  const sendBtn = byId<HTMLButtonElement>("send");
  quote = null;
  sendBtn.disabled = true;
  out.hidden = true;
  try {
    const to = byId<HTMLInputElement>("send-to").value.trim();
    if (!StrKey.isValidEd25519PublicKey(to)) throw new Error("the receiver must be a G… address (56 characters)");
    if (me !== null && to === me.publicKey) throw new Error("that is your own address");
    const sendAsset = assetFromKey(byId<HTMLSelectElement>("send-asset").value);
    const recvAsset = assetFromKey(byId<HTMLSelectElement>("recv-asset").value);
    const amount = parseAmount(byId<HTMLInputElement>("send-amount").value);
    const bps = parsePercentBps(byId<HTMLInputElement>("slippage").value);
    localStorage.setItem(SLIPPAGE_KEY, byId<HTMLInputElement>("slippage").value);
    const fixedSend = byId<HTMLSelectElement>("send-mode").value === "send";
    say(status, "Quoting…", "busy");

    const dest = await chain.account(to);
    if (dest === null && !recvAsset.isNative()) throw new Error(`the receiver's account does not exist, so it cannot hold ${recvAsset.getCode()}`);
    if (dest !== null && !recvAsset.isNative() && !dest.balances.some((b) => keyOfBalance(b) === assetKey(recvAsset))) {
      throw new Error(`the receiver has no trustline for ${recvAsset.getCode()} (op_no_trust): they must add it first`);
    }

    let op: xdr.Operation;
    let summary: (Node | string)[];
    if (assetKey(sendAsset) === assetKey(recvAsset)) {
      const amt = toAmountString(amount);
      if (dest === null) {
        op = Operation.createAccount({destination: to, startingBalance: amt});
        summary = [`Create the account ${shortKey(to)} with ${formatAmount(amount)} DIAM.`];
      } else {
        op = Operation.payment({destination: to, asset: sendAsset, amount: amt});
        summary = [`Pay ${formatAmount(amount)} ${assetLabel(sendAsset)} to ${shortKey(to)}.`];
      }
    } else if (dest === null) {
      throw new Error("the receiver's account does not exist: send DIAM to create it first");
    } else if (fixedSend) {
      const page = await chain.server.strictSendPaths(sendAsset, toAmountString(amount), [recvAsset]).call();
      const best = page.records.reduce<(typeof page.records)[number] | undefined>((b, r) => (b === undefined || parseAmount(r.destination_amount, true) > parseAmount(b.destination_amount, true) ? r : b), undefined);
      if (best === undefined) throw new Error(`no path: no offers convert ${assetLabel(sendAsset)} into ${assetLabel(recvAsset)} for this amount`);
      const got = parseAmount(best.destination_amount, true);
      const destMin = lessSlippage(got, bps);
      if (destMin === 0n) throw new Error("the amount is too small to deliver anything at this rate");
      const path = best.path.map(assetOfRecord);
      op = Operation.pathPaymentStrictSend({sendAsset, sendAmount: toAmountString(amount), destination: to, destAsset: recvAsset, destMin: toAmountString(destMin), path});
      summary = [
        h("div", {}, `You send ${formatAmount(amount)} ${assetLabel(sendAsset)}; they receive about `, h("strong", {id: "quote-receive", "data-amount": toAmountString(got)}, formatAmount(got)), ` ${assetLabel(recvAsset)}`),
        h("div", {}, `at least ${formatAmount(destMin)} ${assetLabel(recvAsset)} (slippage ${bps / 100}%)`),
        h("div", {id: "quote-rate"}, `rate 1 ${assetLabel(sendAsset)} = ${rate(got, amount)} ${assetLabel(recvAsset)}`),
        h("div", {id: "quote-path"}, `path ${pathLabel(sendAsset, path, recvAsset)}`),
      ];
    } else {
      const page = await chain.server.strictReceivePaths([sendAsset], recvAsset, toAmountString(amount)).call();
      const best = page.records.reduce<(typeof page.records)[number] | undefined>((b, r) => (b === undefined || parseAmount(r.source_amount, true) < parseAmount(b.source_amount, true) ? r : b), undefined);
      if (best === undefined) throw new Error(`no path: no offers convert ${assetLabel(sendAsset)} into ${assetLabel(recvAsset)} for this amount`);
      const cost = parseAmount(best.source_amount, true);
      const sendMax = plusSlippage(cost, bps);
      const path = best.path.map(assetOfRecord);
      op = Operation.pathPaymentStrictReceive({sendAsset, sendMax: toAmountString(sendMax), destination: to, destAsset: recvAsset, destAmount: toAmountString(amount), path});
      summary = [
        h("div", {}, `They receive ${formatAmount(amount)} ${assetLabel(recvAsset)}; you spend about `, h("strong", {id: "quote-receive", "data-amount": toAmountString(cost)}, formatAmount(cost)), ` ${assetLabel(sendAsset)}`),
        h("div", {}, `at most ${formatAmount(sendMax)} ${assetLabel(sendAsset)} (slippage ${bps / 100}%)`),
        h("div", {id: "quote-rate"}, `rate 1 ${assetLabel(sendAsset)} = ${rate(amount, cost)} ${assetLabel(recvAsset)}`),
        h("div", {id: "quote-path"}, `path ${pathLabel(sendAsset, path, recvAsset)}`),
      ];
    }
    quote = {inputs: sendInputs(), op};
    out.replaceChildren(...summary);
    out.hidden = false;
    sendBtn.disabled = false;
    say(status, "Check the quote, then confirm.", "");
  } catch (err) {
    say(status, messageOf(err), "error");
  }
}

async function send(): Promise<void> {
  const status = byId("send-status");
  const sendBtn = byId<HTMLButtonElement>("send");
  if (me === null) return;
  if (quote === null || quote.inputs !== sendInputs()) {
    sendBtn.disabled = true;
    say(status, "The form changed since the review: review again.", "error");
    return;
  }
  const op = quote.op;
  quote = null;
  sendBtn.disabled = true;
  say(status, "Sending…", "busy");
  try {
    const res = await chain.submit(me.keypair, [op]);
    say(status, `Sent in ledger ${res.ledger} (transaction ${res.hash.slice(0, 12)}…).`, "ok");
    byId("quote-out").hidden = true;
  } catch (err) {
    say(status, err instanceof SubmitError ? `Not sent: ${err.message}` : messageOf(err), "error");
  }
}

// ---- anchors --------------------------------------------------------------------------------

let anchor: {asset: Asset; info: AnchorInfo} | null = null;
const transfers = new Map<string, TransferRecord>();

async function showAnchor(): Promise<{asset: Asset; info: AnchorInfo} | null> {
  const key = byId<HTMLSelectElement>("anchor-asset").value;
  const info = byId("anchor-info");
  anchor = null;
  if (key === "") {
    info.textContent = "No asset on this network names an anchor (an issuer with a home domain).";
    return null;
  }
  const asset = assetFromKey(key);
  try {
    const found = await discoverAnchor(chain, asset);
    if (byId<HTMLSelectElement>("anchor-asset").value !== key) return null;
    const picked = {asset, info: found};
    anchor = picked;
    info.textContent = `${found.orgName} · ${found.domain} · transfer server ${found.transferServer}`;
    if (me !== null) for (const t of await listTransfers(found, asset, me.publicKey)) transfers.set(t.id, t);
    renderTransfers();
    return picked;
  } catch (err) {
    info.textContent = messageOf(err);
    return null;
  }
}

function renderTransfers(): void {
  byId("transfers").replaceChildren(
    ...[...transfers.values()].reverse().map((t) =>
      h("tr", {"data-id": t.id, "data-status": t.status}, h("td", {}, t.id), h("td", {}, t.kind), h("td", {class: "num"}, formatAmount(t.amount_in)), h("td", {class: "transfer-status"}, t.status + (t.message ? ` (${t.message})` : ""))),
    ),
  );
}

/** Asks the anchor for a transfer's status until it is final; offers the trustline when it waits for one. */
function track(a: {asset: Asset; info: AnchorInfo}, id: string): void {
  const status = byId("anchor-status");
  const timer = setInterval(() => {
    void transferStatus(a.info, id).then(
      (t) => {
        transfers.set(t.id, t);
        renderTransfers();
        const trustBtn = byId("anchor-trust");
        if (t.status === "pending_trust" && !trusts(a.asset)) {
          trustBtn.hidden = false;
          trustBtn.textContent = `Add the ${a.asset.getCode()} trustline`;
          say(status, `The anchor has your ${a.asset.getCode()} and waits for your trustline to it.`, "busy");
        }
        if (FINAL_STATUSES.has(t.status)) {
          clearInterval(timer);
          timers.delete(timer);
          trustBtn.hidden = true;
          const what = t.kind === "deposit" ? "Deposit" : "Withdrawal";
          say(status, `${what} ${t.id} ${t.status}: ${formatAmount(t.amount_out)} ${a.asset.getCode()}${t.message ? ` (${t.message})` : ""}.`, t.status === "completed" ? "ok" : "error");
        }
      },
      (err: unknown) => say(status, messageOf(err), "error"),
    );
  }, TRANSFER_POLL_MS);
  timers.add(timer);
}

async function deposit(): Promise<void> {
  const status = byId("anchor-status");
  try {
    if (me === null) return;
    const amount = toAmountString(parseAmount(byId<HTMLInputElement>("anchor-amount").value));
    const a = anchor ?? (await showAnchor());
    if (a === null) throw new Error("no anchor for this asset");
    say(status, `Asking ${a.info.domain} for a deposit…`, "busy");
    const res = await requestDeposit(a.info, a.asset, me.publicKey, amount);
    say(status, res.how, "busy");
    track(a, res.id);
  } catch (err) {
    say(status, messageOf(err), "error");
  }
}

async function withdraw(): Promise<void> {
  const status = byId("anchor-status");
  try {
    if (me === null) return;
    const amount = toAmountString(parseAmount(byId<HTMLInputElement>("anchor-amount").value));
    const a = anchor ?? (await showAnchor());
    if (a === null) throw new Error("no anchor for this asset");
    if (!trusts(a.asset)) throw new Error(`you hold no ${a.asset.getCode()}`);
    say(status, `Asking ${a.info.domain} for a withdrawal…`, "busy");
    const res = await requestWithdraw(a.info, a.asset, me.publicKey, amount);
    if (res.account_id !== a.asset.getIssuer()) {
      // This wallet pays withdrawals back to the issuer only (a burn); another account is not trusted blindly.
      throw new Error(`the anchor asks for payment to ${shortKey(res.account_id)}, not to the issuer: refused`);
    }
    const memo = res.memo_type === "id" ? Memo.id(res.memo) : res.memo_type === "hash" ? Memo.hash(res.memo) : Memo.text(res.memo);
    say(status, `Paying ${amount} ${a.asset.getCode()} back to the anchor (memo ${res.memo})…`, "busy");
    await chain.submit(me.keypair, [Operation.payment({destination: res.account_id, asset: a.asset, amount})], memo);
    say(status, "Paid; waiting for the anchor to see it…", "busy");
    track(a, res.id);
  } catch (err) {
    say(status, messageOf(err), "error");
  }
}

// ---- history --------------------------------------------------------------------------------

/** The rows shown, newest first; pages are read by cursor from their ends. */
let historyRows: Horizon.ServerApi.OperationRecord[] = [];
/** 0 for the newest page; live payments refresh only that one. */
let historyIndex = 0;
let historyOnFirstPage = true;
let historyGen = 0;

function historyRow(r: PaymentRecord, self: string): HTMLTableRowElement {
  const when = new Date(r.created_at).toLocaleString();
  let amount = "";
  let party = "";
  let dir: "in" | "out" = "in";
  switch (r.type) {
    case "create_account":
      dir = r.funder === self ? "out" : "in";
      amount = `${formatAmount(r.starting_balance)} DIAM`;
      party = dir === "out" ? r.account : r.funder;
      break;
    case "account_merge":
      dir = r.source_account === self ? "out" : "in";
      amount = "all DIAM";
      party = dir === "out" ? r.into : r.source_account;
      break;
    case "payment":
      dir = r.from === self ? "out" : "in";
      amount = `${formatAmount(r.amount)} ${assetLabel(assetOfRecord(r))}`;
      party = dir === "out" ? r.to : r.from;
      break;
    default: {
      // Path payments: what left the sender and what reached the receiver.
      const p = r as Horizon.ServerApi.PathPaymentOperationRecord;
      dir = p.from === self ? "out" : "in";
      const src = assetOfRecord({asset_type: p.source_asset_type, asset_code: p.source_asset_code, asset_issuer: p.source_asset_issuer});
      amount = `${formatAmount(p.source_amount)} ${assetLabel(src)} → ${formatAmount(p.amount)} ${assetLabel(assetOfRecord(p))}`;
      party = dir === "out" ? p.to : p.from;
    }
  }
  return h("tr", {"data-type": r.type, class: dir},
    h("td", {}, when),
    h("td", {}, `${dir === "out" ? "sent" : "received"} · ${r.type.replace(/_/g, " ")}`),
    h("td", {class: "num"}, (dir === "out" ? "−" : "+") + amount),
    h("td", {title: party}, shortKey(party)),
    h("td", {}, h("code", {}, r.transaction_hash.slice(0, 10) + "…")),
  );
}

async function loadHistory(which: "first" | "older" | "newer"): Promise<void> {
  if (me === null) return;
  const self = me.publicKey;
  // Stream events and clicks can overlap: only the latest request may draw.
  const gen = ++historyGen;
  const target = which === "first" ? 0 : which === "older" ? historyIndex + 1 : Math.max(0, historyIndex - 1);
  // From now on live events do not pull the view back to the first page.
  if (target > 0) historyOnFirstPage = false;
  try {
    const query = () => chain.server.payments().forAccount(self).limit(HISTORY_PAGE);
    let records: Horizon.ServerApi.OperationRecord[];
    if (target === 0 || historyRows.length === 0) {
      records = (await query().order("desc").call()).records;
    } else if (which === "older") {
      records = (await query().order("desc").cursor(historyRows[historyRows.length - 1]?.paging_token ?? "").call()).records;
    } else {
      records = (await query().order("asc").cursor(historyRows[0]?.paging_token ?? "").call()).records;
      // Fewer than a page newer than this one: that is the first page, shown full.
      if (records.length < HISTORY_PAGE) records = (await query().order("desc").call()).records;
    }
    if (gen !== historyGen) return;
    if (which === "older" && records.length === 0) {
      byId<HTMLButtonElement>("hist-older").disabled = true;
      return;
    }
    const first = target === 0 || (which === "newer" && records.length < HISTORY_PAGE) || records.length === 0;
    historyIndex = first ? 0 : target;
    historyOnFirstPage = historyIndex === 0;
    historyRows = [...records].sort((a, b) => (BigInt(b.paging_token) > BigInt(a.paging_token) ? 1 : BigInt(b.paging_token) < BigInt(a.paging_token) ? -1 : 0));
    byId("history").replaceChildren(...historyRows.map((r) => historyRow(r as PaymentRecord, self)));
    byId<HTMLButtonElement>("hist-older").disabled = historyRows.length < HISTORY_PAGE;
    byId<HTMLButtonElement>("hist-newer").disabled = historyOnFirstPage;
  } catch (err) {
    if ((err as {response?: {status?: number}}).response?.status === 404) return;
    say(byId("app-status"), `history: ${messageOf(err)}`, "error");
  }
}

// ---- wiring ---------------------------------------------------------------------------------

function onUnlock(u: Unlocked): void {
  me = u;
  byId("keys").hidden = true;
  byId("wallet").hidden = false;
  byId("lock").hidden = false;
  byId("who").textContent = `${u.name} · ${shortKey(u.publicKey)}`;
  renderReceive(u.publicKey);
  void startAccount(u.publicKey).catch((err: unknown) => say(byId("app-status"), messageOf(err), "error"));
  void loadNetworkAssets().catch((err: unknown) => say(byId("app-status"), `assets: ${messageOf(err)}`, "error"));
  void loadHistory("first");
}

function wire(): void {
  const slippage = localStorage.getItem(SLIPPAGE_KEY);
  if (slippage !== null) byId<HTMLInputElement>("slippage").value = slippage;
  byId("lock").addEventListener("click", () => {
    for (const c of closers) c();
    for (const t of timers) clearInterval(t);
    // A reload drops the decrypted key with everything else in memory.
    location.reload();
  });
  byId("fund").addEventListener("click", () => {
    if (me === null) return;
    say(byId("balances-status"), "Asking friendbot…", "busy");
    chain.server.friendbot(me.publicKey).call().catch((err: unknown) => say(byId("balances-status"), `friendbot: ${messageOf(err)}`, "error"));
  });
  byId("quote").addEventListener("click", () => void review());
  byId("send").addEventListener("click", () => void send());
  for (const id of ["send-to", "send-asset", "recv-asset", "send-mode", "send-amount", "slippage"]) {
    byId(id).addEventListener("input", () => {
      if (quote !== null && quote.inputs !== sendInputs()) byId<HTMLButtonElement>("send").disabled = true;
    });
  }
  byId("assets").addEventListener("click", (ev) => {
    const btn = (ev.target as HTMLElement).closest<HTMLButtonElement>("button.trust-btn");
    const key = btn?.dataset["asset"];
    if (btn === null || key === undefined) return;
    btn.disabled = true;
    void addTrustline(assetFromKey(key), undefined, byId("trust-status"));
  });
  byId("trust").addEventListener("click", () => {
    const status = byId("trust-status");
    try {
      const asset = assetFromKey(byId<HTMLInputElement>("trust-asset").value);
      if (asset.isNative()) throw new Error("DIAM needs no trustline");
      const limitText = byId<HTMLInputElement>("trust-limit").value.trim();
      const limit = limitText === "" ? undefined : toAmountString(parseAmount(limitText));
      void addTrustline(asset, limit, status);
    } catch (err) {
      say(status, messageOf(err), "error");
    }
  });
  byId("anchor-asset").addEventListener("change", () => void showAnchor());
  byId("deposit").addEventListener("click", () => void deposit());
  byId("withdraw").addEventListener("click", () => void withdraw());
  byId("anchor-trust").addEventListener("click", () => {
    if (anchor === null) return;
    byId("anchor-trust").hidden = true;
    void addTrustline(anchor.asset, undefined, byId("anchor-status"));
  });
  byId("hist-older").addEventListener("click", () => void loadHistory("older"));
  byId("hist-newer").addEventListener("click", () => void loadHistory("newer"));
}

async function init(): Promise<void> {
  wire();
  try {
    chain = await Chain.connect(location.origin);
  } catch (err) {
    say(byId("app-status"), `Cannot reach the node: ${messageOf(err)}`, "error");
    return;
  }
  byId("network").textContent = chain.passphrase;
  mountKeyPanel(byId("keys"), onUnlock);
}

void init();
