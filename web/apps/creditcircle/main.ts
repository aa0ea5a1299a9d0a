/**
 * CreditCircle: loans against escrowed collateral, with the rules enforced by the ledger
 * (src/wallet/credit.ts explains the escrow and its pre-authorised transactions). A lender offers
 * a loan to a borrower; the borrower accepts (collateral in, principal out); before the due date
 * the borrower repays and gets the collateral back, after it the lender claims the collateral.
 * Keys are unlocked in the page (keystore v1) and never leave it. Everything shown is read back
 * from the ledger, so both parties see the same loans from any browser; the ledger stream drives
 * the ledger clock shown and the refreshes.
 */
import "../shared/base.css";
import "./style.css";
import {Horizon, StrKey, type Asset} from "@stellar/stellar-sdk";
import {byId, h, messageOf, say} from "../shared/dom.js";
import {mountKeyPanel, type Unlocked} from "../shared/keys.js";
import {formatAmount} from "../shared/amount.js";
import {assetFromKey, assetKey, assetLabel, shortKey} from "../shared/horizon.js";
import {CreditClient, buildLoanTxs, formatLedgerTime, type Loan} from "../../../src/wallet/credit.js";

type Balance = Horizon.HorizonApi.BalanceLine;

const server = new Horizon.Server(location.origin, {allowHttp: location.protocol === "http:"});
const client = new CreditClient(server);
let me: Unlocked | null = null;
let passphrase = "";
/** The latest ledger's close time (unix s): the clock due dates are judged by. */
let ledgerTime = 0n;

// ---- ledger clock and refreshes -------------------------------------------------------------

function showLedgerTime(t: bigint): void {
  ledgerTime = t;
  byId("ledger-time").textContent = formatLedgerTime(t);
  for (const cell of document.querySelectorAll<HTMLElement>("[data-due]")) cell.textContent = dueText(BigInt(cell.dataset["due"] ?? "0"));
}

function dueText(due: bigint): string {
  const left = due - ledgerTime;
  const when = formatLedgerTime(due);
  if (ledgerTime === 0n) return when;
  if (left >= 0n) return `${when} (in ${span(left)})`;
  return `${when} (overdue by ${span(-left)})`;
}

function span(s: bigint): string {
  if (s < 120n) return `${s} s`;
  if (s < 7200n) return `${s / 60n} min`;
  if (s < 172800n) return `${s / 3600n} h`;
  return `${s / 86400n} days`;
}

let refreshing = false;
let again = false;

/** Reloads balances and loans; calls that arrive meanwhile are folded into one more pass. */
async function refresh(): Promise<void> {
  if (me === null) return;
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  try {
    do {
      again = false;
      await loadOnce(me.publicKey);
    } while (again);
  } catch (err) {
    say(byId("app-status"), `Could not read the ledger: ${messageOf(err)}`, "error");
  } finally {
    refreshing = false;
  }
}

function followLedgers(): void {
  server
    .ledgers()
    .cursor("now")
    .limit(200)
    .stream({
      onmessage: (rec) => {
        const l = rec as unknown as {closed_at: string; successful_transaction_count: number; failed_transaction_count: number};
        showLedgerTime(BigInt(Math.floor(Date.parse(l.closed_at) / 1000)));
        // Loans change only through transactions: an empty ledger moves only the clock.
        if (l.successful_transaction_count + l.failed_transaction_count > 0) void refresh();
      },
      onerror: () => {
        // The SDK reconnects from the last ledger it saw.
      },
    });
}

// ---- account --------------------------------------------------------------------------------

function balanceKey(b: Balance): string {
  return b.asset_type === "native" ? "native" : `${(b as {asset_code: string}).asset_code}:${(b as {asset_issuer: string}).asset_issuer}`;
}

function renderBalances(list: Balance[]): void {
  const held = list.filter((b) => b.asset_type === "native" || b.asset_type === "credit_alphanum4" || b.asset_type === "credit_alphanum12");
  held.sort((a, b) => (a.asset_type === "native" ? -1 : b.asset_type === "native" ? 1 : balanceKey(a).localeCompare(balanceKey(b))));
  byId("balances").replaceChildren(
    ...held.map((b) => {
      const key = balanceKey(b);
      return h("tr", {"data-asset": key},
        h("td", {}, assetLabel(key)),
        h("td", {class: "num"}, formatAmount(b.balance)),
        h("td", {}, key === "native" ? "" : shortKey(key.split(":")[1] ?? "")));
    }),
  );
  const select = byId<HTMLSelectElement>("o-loan-asset");
  const chosen = select.value;
  select.replaceChildren(...held.map((b) => h("option", {value: balanceKey(b)}, `${assetLabel(balanceKey(b))} (${formatAmount(b.balance)})`)));
  if (chosen !== "" && held.some((b) => balanceKey(b) === chosen)) select.value = chosen;
  byId("o-known-assets").replaceChildren(...held.filter((b) => b.asset_type !== "native").map((b) => h("option", {value: balanceKey(b)})));
}

async function loadOnce(id: string): Promise<void> {
  const [acc, loans] = await Promise.all([server.loadAccount(id), client.loansOf(id)]);
  renderBalances(acc.balances);
  renderLoans(loans);
}

// ---- loans ----------------------------------------------------------------------------------

function money(stroops: bigint, asset: Asset): string {
  return `${formatAmount(stroops)} ${assetLabel(asset)}`;
}

const STATE_TEXT: Record<Loan["state"], string> = {
  offered: "offered",
  open: "open",
  claim_only: "repayment failed: the lender may claim",
  cancel_only: "acceptance failed: the lender may cancel",
  repaid: "repaid",
  defaulted: "defaulted: collateral claimed",
  cancelled: "offer cancelled",
  unknown: "moved outside CreditCircle",
  blocked: "blocked",
};

function action(cls: string, label: string, escrow: string, run: (k: Unlocked, escrow: string) => Promise<void>, busy: string, done: string): HTMLButtonElement {
  const b = h("button", {type: "button", class: cls}, label);
  b.addEventListener("click", () => {
    if (me === null) return;
    const who = me;
    const status = byId("loans-status");
    b.disabled = true;
    say(status, busy, "busy");
    void run(who, escrow)
      .then(() => {
        say(status, done, "ok");
        void refresh();
      })
      .catch((err: unknown) => {
        say(status, messageOf(err), "error");
        b.disabled = false;
      });
  });
  return b;
}

function openActions(loan: Loan): HTMLElement[] {
  const E = loan.terms.escrow;
  const out: HTMLElement[] = [];
  if (loan.role === "borrower" && loan.state === "offered") {
    out.push(action("act-accept", "Accept", E, (k, e) => client.accept(k.keypair, e), "Accepting: locking the collateral…", "Accepted: the principal is yours, the collateral is in escrow."));
  }
  if (loan.role === "borrower" && loan.state === "open") {
    out.push(action("act-repay", "Repay", E, (k, e) => client.repay(k.keypair, e), "Repaying…", "Repaid: the collateral is back."));
  }
  if (loan.role === "lender" && (loan.state === "open" || loan.state === "claim_only")) {
    out.push(action("act-claim", "Claim collateral", E, (k, e) => client.claim(k.keypair, e), "Claiming the collateral…", "Collateral claimed."));
  }
  if (loan.role === "lender" && (loan.state === "offered" || loan.state === "cancel_only")) {
    out.push(action("act-cancel secondary", "Cancel offer", E, (k, e) => client.cancel(k.keypair, e), "Cancelling the offer…", "Offer cancelled: the principal is back."));
  }
  return out;
}

/**
 * The pre-authorised transactions the loan's state still allows, unsigned: rebuilt from the terms
 * on the ledger, so a party can sign and submit them with any Stellar tool should this app vanish.
 */
function txDetails(l: Loan): HTMLElement[] {
  if (passphrase === "") return [];
  const txs = buildLoanTxs(l.terms, passphrase);
  const list: [string, {hash(): Uint8Array; toXDR(): string}][] =
    l.state === "offered" ? [["accept (borrower signs)", txs.accept], ["cancel (lender signs)", txs.cancel[0]]]
    : l.state === "cancel_only" ? [["cancel (lender signs)", txs.cancel[1]]]
    : l.state === "open" ? [["repay (borrower signs)", txs.repay], ["claim after the due date (lender signs)", txs.claim[0]]]
    : l.state === "claim_only" ? [["claim after the due date (lender signs)", txs.claim[1]]]
    : [];
  if (list.length === 0) return [];
  const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return [h("details", {class: "txs"},
    h("summary", {}, "transactions"),
    ...list.map(([what, tx]) => h("div", {},
      h("p", {}, `${what}: hash `, h("code", {}, hex(tx.hash()))),
      h("textarea", {readonly: "", rows: "3"}, tx.toXDR()))),
    h("p", {class: "muted"}, `Escrow ${l.terms.escrow}`))];
}

function renderLoans(loans: Loan[]): void {
  const closed = new Set<Loan["state"]>(["repaid", "defaulted", "cancelled"]);
  const counterpart = (l: Loan): string => (l.role === "lender" ? l.terms.borrower : l.terms.lender);
  byId("open-loans").replaceChildren(
    ...loans.filter((l) => !closed.has(l.state)).map((l) =>
      h("tr", {"data-escrow": l.terms.escrow, "data-state": l.state, "data-role": l.role ?? ""},
        h("td", {}, l.role ?? ""),
        h("td", {title: counterpart(l)}, shortKey(counterpart(l))),
        h("td", {class: "num"}, money(l.terms.principal, l.terms.loanAsset)),
        h("td", {class: "num"}, money(l.terms.repayment, l.terms.loanAsset)),
        h("td", {class: "num"}, money(l.terms.collateral, l.terms.collateralAsset)),
        h("td", {"data-due": l.terms.due.toString()}, dueText(l.terms.due)),
        h("td", {class: "state", ...(l.problem !== undefined ? {title: l.problem} : {})},
          l.state === "offered" ? `offered, accept by ${formatLedgerTime(l.terms.expires)}` : l.state === "blocked" ? `blocked: ${l.problem ?? ""}` : STATE_TEXT[l.state]),
        h("td", {}, ...openActions(l), ...txDetails(l)))),
  );
  byId("closed-loans").replaceChildren(
    ...loans.filter((l) => closed.has(l.state)).map((l) => {
      const E = l.terms.escrow;
      const cells: HTMLElement[] = [];
      if (l.state === "repaid") {
        if (l.repaymentCollected === false && l.role === "lender") {
          cells.push(action("act-collect", "Collect repayment", E, (k, e) => client.collect(k.keypair, e), "Collecting the repayment…", "Repayment collected."));
        } else cells.push(h("span", {class: "muted"}, l.repaymentCollected ? "repayment collected" : "repayment waiting for the lender"));
      }
      return h("tr", {"data-escrow": E, "data-state": l.state, "data-role": l.role ?? ""},
        h("td", {}, l.role ?? ""),
        h("td", {title: counterpart(l)}, shortKey(counterpart(l))),
        h("td", {class: "num"}, money(l.terms.principal, l.terms.loanAsset)),
        h("td", {class: "num"}, l.state === "repaid" ? money(l.terms.repayment, l.terms.loanAsset) : "–"),
        h("td", {class: "num"}, money(l.terms.collateral, l.terms.collateralAsset)),
        h("td", {}, formatLedgerTime(l.terms.due)),
        h("td", {class: "state"}, STATE_TEXT[l.state]),
        h("td", {}, l.closedAt !== undefined ? formatLedgerTime(l.closedAt) : ""),
        h("td", {}, ...cells));
    }),
  );
}

// ---- offering -------------------------------------------------------------------------------

function wholeSeconds(valueId: string, unitId: string, what: string): number {
  const text = byId<HTMLInputElement>(valueId).value.trim();
  if (!/^\d{1,9}$/.test(text) || Number(text) === 0) throw new Error(`${what}: a whole number above 0`);
  return Number(text) * Number(byId<HTMLSelectElement>(unitId).value);
}

function setupOfferForm(): void {
  byId("o-create").addEventListener("click", () => {
    if (me === null) return;
    const lender = me;
    const status = byId("o-status");
    const button = byId<HTMLButtonElement>("o-create");
    void (async () => {
      try {
        const borrower = byId<HTMLInputElement>("o-borrower").value.trim();
        if (!StrKey.isValidEd25519PublicKey(borrower)) throw new Error("the borrower must be a G… address");
        const loanAsset = assetFromKey(byId<HTMLSelectElement>("o-loan-asset").value);
        const collateralAsset = assetFromKey(byId<HTMLInputElement>("o-coll-asset").value);
        const termSeconds = wholeSeconds("o-term", "o-term-unit", "due in");
        const acceptSeconds = wholeSeconds("o-accept", "o-accept-unit", "accept within");
        button.disabled = true;
        say(status, "Creating the escrow and its pre-authorised transactions…", "busy");
        const loan = await client.createOffer(lender.keypair, {
          borrower,
          loanAsset,
          principal: byId<HTMLInputElement>("o-principal").value,
          repayment: byId<HTMLInputElement>("o-repay").value,
          collateralAsset,
          collateral: byId<HTMLInputElement>("o-coll").value,
          termSeconds,
          acceptSeconds,
        });
        say(status, `Offered: escrow ${loan.terms.escrow} holds ${money(loan.terms.principal, loan.terms.loanAsset)} until ${shortKey(borrower)} accepts (${assetKey(collateralAsset)} as collateral).`, "ok");
        void refresh();
      } catch (err) {
        say(status, messageOf(err), "error");
      } finally {
        button.disabled = false;
      }
    })();
  });
}

// ---- start ----------------------------------------------------------------------------------

async function start(): Promise<void> {
  try {
    const root = (await (await fetch(location.origin + "/")).json()) as {network_passphrase: string};
    byId("network").textContent = root.network_passphrase;
    passphrase = root.network_passphrase;
    showLedgerTime((await client.latestLedger()).closeTime);
  } catch (err) {
    say(byId("app-status"), `The node does not answer: ${messageOf(err)}`, "error");
    return;
  }
  followLedgers();
  setupOfferForm();
  byId("lock").addEventListener("click", () => location.reload());
  mountKeyPanel(byId("keys"), (u) => {
    me = u;
    byId("keys").hidden = true;
    byId("wallet").hidden = false;
    byId("lock").hidden = false;
    byId("who").textContent = `${u.name} · ${shortKey(u.publicKey)}`;
    byId("address").textContent = u.publicKey;
    void refresh();
  });
}

void start();
