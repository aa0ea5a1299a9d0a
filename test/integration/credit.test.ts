/**
 * CreditCircle's loan module (src/wallet/credit.ts) against a node started in-process: the ledger
 * itself refuses the claim before the due date and the repay after it, neither party alone can
 * move the escrow's funds, a repaid loan returns the collateral and pays the lender, a defaulted
 * one gives the collateral to the lender, an offer can be cancelled, and a repay that fails at
 * apply (spending the escrow's sequence number) still leaves the lender's second claim.
 * Ledgers close every second here so ledger time runs at about the wall clock's pace.
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder, type Transaction, type xdr} from "@stellar/stellar-sdk";
import {startNode, waitFor, type RunningNode} from "../helpers/node.js";
import {passphraseOf} from "../helpers/market.js";
import {CreditClient, CreditError, buildLoanTxs, decodeDataAttr, escrowState, parseTerms, resultCodes, termsEntries, toStroops, fromStroops, type OfferInput} from "../../src/wallet/credit.js";

describe("CreditCircle loans on the ledger", () => {
  let n: RunningNode;
  let client: CreditClient;
  let passphrase: string;
  const anchor = Keypair.random();
  const lender = Keypair.random();
  const borrower = Keypair.random();
  const USD = new Asset("USD", anchor.publicKey());
  const DIAMOND = new Asset("DIAMOND", anchor.publicKey());

  async function submit(signer: Keypair, ...ops: xdr.Operation[]): Promise<void> {
    const src = await n.server.loadAccount(signer.publicKey());
    const b = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase});
    for (const op of ops) b.addOperation(op);
    const tx = b.setTimeout(0).build();
    tx.sign(signer);
    await n.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
  }

  async function txCode(tx: Transaction): Promise<string | undefined> {
    try {
      await n.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
      return "applied";
    } catch (err) {
      const codes = resultCodes(err);
      if (codes === null) throw err;
      return codes.transaction;
    }
  }

  async function balance(who: string, asset: Asset): Promise<string | undefined> {
    const acc = await n.server.loadAccount(who);
    const b = acc.balances.find((x) => "asset_code" in x && x.asset_code === asset.getCode() && x.asset_issuer === asset.getIssuer());
    return b?.balance;
  }

  async function exists(id: string): Promise<boolean> {
    try {
      await n.server.loadAccount(id);
      return true;
    } catch {
      return false;
    }
  }

  async function waitPastDue(due: bigint): Promise<void> {
    await waitFor(async () => ((await client.latestLedger()).closeTime > due ? true : undefined), 120_000, "ledger time past the due date");
  }

  const terms = (over: Partial<OfferInput> = {}): OfferInput => ({
    borrower: borrower.publicKey(),
    loanAsset: USD,
    principal: "100",
    repayment: "105",
    collateralAsset: DIAMOND,
    collateral: "10",
    termSeconds: 600,
    acceptSeconds: 300,
    ...over,
  });

  before(async () => {
    n = await startNode({closeIntervalMs: 1000});
    passphrase = await passphraseOf(n);
    client = new CreditClient(n.server);
    for (const k of [anchor, lender, borrower]) await n.server.friendbot(k.publicKey()).call();
    await submit(lender, Operation.changeTrust({asset: USD}));
    await submit(borrower, Operation.changeTrust({asset: DIAMOND}), Operation.changeTrust({asset: USD}));
    await submit(
      anchor,
      Operation.payment({destination: lender.publicKey(), asset: USD, amount: "1000"}),
      Operation.payment({destination: borrower.publicKey(), asset: DIAMOND, amount: "50"}),
      Operation.payment({destination: borrower.publicKey(), asset: USD, amount: "20"}),
    );
  });

  after(async () => {
    await n?.stop();
  });

  it("amounts go through stroops as bigints, refusing what is not an amount", () => {
    assert.equal(toStroops("12.5"), 125_000_000n);
    assert.equal(fromStroops(toStroops("922337203685.4775807")), "922337203685.4775807");
    for (const bad of ["0", "-1", "1e3", "1.12345678", "922337203685.4775808", "abc"]) {
      assert.throws(() => toStroops(bad), (e: unknown) => e instanceof CreditError && e.code === "bad_input", bad);
    }
  });

  it("a loan repaid before the due date: collateral back to the borrower, the lender paid; neither party alone moves the escrow", async () => {
    const offer = await client.createOffer(lender, terms());
    const E = offer.terms.escrow;
    assert.equal((await client.loadLoan(E)).loan.state, "offered");
    // The borrower finds the offer made to them before accepting (the escrow lists them as a signer).
    const seen = await client.loansOf(borrower.publicKey());
    assert.deepEqual(seen.map((l) => [l.terms.escrow, l.role, l.state]), [[E, "borrower", "offered"]]);

    await client.accept(borrower, E);
    const {loan, txs} = await client.loadLoan(E);
    assert.equal(loan.state, "open");
    assert.equal(await balance(E, DIAMOND), "10.0000000");
    assert.equal(await balance(borrower.publicKey(), USD), "120.0000000");
    assert.equal(await balance(borrower.publicKey(), DIAMOND), "40.0000000");

    // Neither the lender nor the borrower alone can take the collateral (weight 1 of 2).
    for (const who of [lender, borrower]) {
      const escrowAcc = await n.server.loadAccount(E);
      const grab = new TransactionBuilder(escrowAcc, {fee: "100", networkPassphrase: passphrase})
        .addOperation(Operation.payment({destination: who.publicKey(), asset: DIAMOND, amount: "10"}))
        .setTimeout(0)
        .build();
      grab.sign(who);
      assert.equal(await txCode(grab), "tx_bad_auth");
    }
    // The ledger refuses the lender's claim before the due date, whatever the client says.
    const early = buildLoanTxs(loan.terms, passphrase).claim[0];
    early.sign(lender);
    assert.equal(await txCode(early), "tx_too_early");
    await assert.rejects(client.claim(lender, E), (e: unknown) => e instanceof CreditError && e.code === "too_early" && /not past due/.test(e.message));
    // Only the borrower can send the repay tx (it pays from their account).
    assert.equal(await txCode(buildLoanTxs(loan.terms, passphrase).repay), "tx_failed");

    await client.repay(borrower, E);
    assert.equal(await exists(E), false, "the escrow is merged into the lender");
    assert.equal(await balance(borrower.publicKey(), DIAMOND), "50.0000000");
    assert.equal(await balance(borrower.publicKey(), USD), "15.0000000");
    const closed = await client.loadLoan(E);
    assert.equal(closed.loan.state, "repaid");
    assert.equal(closed.loan.repaymentCollected, false);
    assert.equal(closed.txs.repaymentBalanceId, txs.repaymentBalanceId);
    const cb = await n.server.claimableBalances().claimableBalance(txs.repaymentBalanceId).call();
    assert.equal(cb.amount, "105.0000000");
    assert.deepEqual(cb.claimants.map((c) => c.destination), [lender.publicKey()]);

    await client.collect(lender, E);
    assert.equal(await balance(lender.publicKey(), USD), "1005.0000000");
    assert.equal((await client.loadLoan(E)).loan.repaymentCollected, true);
    await assert.rejects(client.collect(lender, E), (e: unknown) => e instanceof CreditError && e.code === "wrong_state");
    // The terms come from the start of the escrow's history and the outcome from its last operation,
    // also when the history is longer than the page read.
    assert.equal((await new CreditClient(n.server, {historyLimit: 30}).loadLoan(E)).loan.state, "repaid");
    // Both parties still find the closed loan through the entries on their own accounts.
    for (const [who, role] of [[lender, "lender"], [borrower, "borrower"]] as const) {
      const list = await client.loansOf(who.publicKey());
      assert.deepEqual(list.map((l) => [l.terms.escrow, l.role, l.state]), [[E, role, "repaid"]]);
    }
  });

  it("a loan not repaid by the due date: repay refused by the ledger, the lender claims the collateral", async () => {
    const offer = await client.createOffer(lender, terms({principal: "50", repayment: "55", collateral: "20", acceptSeconds: 20, termSeconds: 30}));
    const E = offer.terms.escrow;
    await client.accept(borrower, E);
    const {loan, txs} = await client.loadLoan(E);
    assert.equal(loan.state, "open");
    await waitPastDue(loan.terms.due);
    txs.repay.sign(borrower);
    assert.equal(await txCode(txs.repay), "tx_too_late");
    await assert.rejects(client.repay(borrower, E), (e: unknown) => e instanceof CreditError && e.code === "too_late" && /was due at/.test(e.message));
    assert.equal((await client.loadLoan(E)).loan.state, "open", "refused txs spend no sequence number");
    // Past the due date, the claim still needs the lender's signature (an extra signer of the tx).
    assert.equal(await txCode(buildLoanTxs(loan.terms, passphrase).claim[0]), "tx_bad_auth");
    assert.equal(await balance(lender.publicKey(), DIAMOND), undefined, "the lender has no DIAMOND trustline yet: the claim adds it");
    await client.claim(lender, E);
    assert.equal(await balance(lender.publicKey(), DIAMOND), "20.0000000");
    assert.equal(await exists(E), false);
    assert.equal((await client.loadLoan(E)).loan.state, "defaulted");
    await assert.rejects(client.claim(lender, E), (e: unknown) => e instanceof CreditError && e.code === "wrong_state");
  });

  it("an offer can be cancelled by its lender only, and then cannot be accepted", async () => {
    const usdBefore = await balance(lender.publicKey(), USD);
    const offer = await client.createOffer(lender, terms({principal: "30", repayment: "31"}));
    const E = offer.terms.escrow;
    assert.equal(await balance(lender.publicKey(), USD), fromStroops(toStroops(usdBefore!) - toStroops("30")));
    const {txs} = await client.loadLoan(E);
    assert.equal(await txCode(txs.cancel[0]), "tx_bad_auth", "nobody but the lender cancels");
    await assert.rejects(client.cancel(borrower, E), (e: unknown) => e instanceof CreditError && e.code === "bad_input");
    await client.cancel(lender, E);
    assert.equal(await balance(lender.publicKey(), USD), usdBefore);
    assert.equal(await exists(E), false);
    assert.equal((await client.loadLoan(E)).loan.state, "cancelled");
    await assert.rejects(client.accept(borrower, E), (e: unknown) => e instanceof CreditError && e.code === "wrong_state");
  });

  it("a repay that fails at apply spends its turn, and the lender's second claim still releases the collateral", async () => {
    const offer = await client.createOffer(lender, terms({principal: "10", repayment: "1000", collateral: "5", acceptSeconds: 20, termSeconds: 30}));
    const E = offer.terms.escrow;
    await client.accept(borrower, E);
    const {txs, loan} = await client.loadLoan(E);
    // The client refuses to send a repay the borrower cannot fund...
    await assert.rejects(client.repay(borrower, E), (e: unknown) => e instanceof CreditError && e.code === "unfunded");
    assert.equal((await client.loadLoan(E)).loan.state, "open");
    // ...but the tx itself can be sent: it is admitted, fails at apply and consumes S + 2.
    txs.repay.sign(borrower);
    assert.equal(await txCode(txs.repay), "tx_failed");
    assert.equal((await client.loadLoan(E)).loan.state, "claim_only");
    await assert.rejects(client.repay(borrower, E), (e: unknown) => e instanceof CreditError && e.code === "wrong_state");
    await waitPastDue(loan.terms.due);
    const held = await balance(lender.publicKey(), DIAMOND);
    const before = held === undefined ? 0n : BigInt(held.replace(".", ""));
    await client.claim(lender, E);
    assert.equal(await balance(lender.publicKey(), DIAMOND), fromStroops(before + toStroops("5")));
    assert.equal((await client.loadLoan(E)).loan.state, "defaulted");
  });

  it("a loan of DIAM: the principal travels with the escrow's native balance, and comes back with a cancel", async () => {
    const diam = async (id: string): Promise<bigint> => toStroops((await n.server.loadAccount(id)).balances.find((b) => b.asset_type === "native")!.balance);
    const borrowerBefore = await diam(borrower.publicKey());
    const offer = await client.createOffer(lender, terms({loanAsset: Asset.native(), principal: "200", repayment: "210", collateral: "3"}));
    const E = offer.terms.escrow;
    assert.equal((await client.loadLoan(E)).loan.state, "offered");
    await client.accept(borrower, E);
    assert.equal((await client.loadLoan(E)).loan.state, "open");
    // The escrow pays the accept's fee: the borrower's balance grows by exactly the principal.
    assert.equal(await diam(borrower.publicKey()), borrowerBefore + toStroops("200"));
    const lenderBefore = await diam(lender.publicKey());
    await client.repay(borrower, E);
    const closed = await client.loadLoan(E);
    assert.equal(closed.loan.state, "repaid");
    // The merge returned the escrow's reserves and unspent fee budget to the lender.
    assert.ok((await diam(lender.publicKey())) > lenderBefore);
    const afterMerge = await diam(lender.publicKey());
    await client.collect(lender, E);
    // 210 collected, less the collect tx's fee.
    assert.equal(await diam(lender.publicKey()), afterMerge + toStroops("210") - 100n);

    const lenderStart = await diam(lender.publicKey());
    const second = await client.createOffer(lender, terms({loanAsset: Asset.native(), principal: "300", repayment: "301"}));
    assert.ok((await diam(lender.publicKey())) < lenderStart - toStroops("300"));
    await client.cancel(lender, second.terms.escrow);
    // Everything but the fees of the two offer txs and the cancel (charged to the escrow) comes back.
    assert.equal((await client.loadLoan(second.terms.escrow)).loan.state, "cancelled");
    const lost = lenderStart - (await diam(lender.publicKey()));
    assert.ok(lost > 0n && lost < toStroops("0.01"), `the lender lost ${fromStroops(lost)} DIAM`);
  });

  it("a borrower's client refuses an escrow whose configuration differs from its terms", async () => {
    const offer = await client.createOffer(lender, terms({principal: "1", repayment: "2"}));
    const E = offer.terms.escrow;
    const acc = await n.server.accounts().accountId(E).call();
    const t = parseTerms(E, decodeDataAttr(acc.data_attr));
    const txs = buildLoanTxs(t, passphrase);
    assert.equal(escrowState(acc, t, txs), "offered");
    // An extra signer (e.g. a key the lender kept) or an extra entry (which would block the merge).
    const extraSigner = {...acc, subentry_count: acc.subentry_count + 1, signers: [...acc.signers, {key: Keypair.random().publicKey(), weight: 2, type: "ed25519_public_key"}]};
    assert.throws(() => escrowState(extraSigner as typeof acc, t, txs), (e: unknown) => e instanceof CreditError && e.code === "bad_escrow");
    const masterOn = {...acc, signers: [...acc.signers, {key: E, weight: 1, type: "ed25519_public_key"}]};
    const offerInOffers = {...acc, subentry_count: acc.subentry_count + 1};
    assert.throws(() => escrowState(masterOn as typeof acc, t, txs), (e: unknown) => e instanceof CreditError && e.code === "bad_escrow");
    assert.throws(() => escrowState(offerInOffers, t, txs), (e: unknown) => e instanceof CreditError && e.code === "bad_escrow" && /sub-entries/.test(e.message));
    const entries = decodeDataAttr(acc.data_attr);
    assert.throws(() => parseTerms(E, {...entries, "cc.extra": "x"}), (e: unknown) => e instanceof CreditError && e.code === "bad_escrow");
    assert.throws(() => parseTerms(E, {...entries, "cc.due": "12x"}), (e: unknown) => e instanceof CreditError && e.code === "bad_escrow");
    // The rebuilt txs are exactly the ones whose hashes the escrow carries.
    assert.equal(termsEntries(t).length, Object.keys(entries).length);
    await client.cancel(lender, E);
  });

  it("an escrow both parties changed together is shown blocked, and no step is sent", async () => {
    const offer = await client.createOffer(lender, terms({principal: "2", repayment: "3"}));
    const E = offer.terms.escrow;
    // Lender and borrower together (1 + 1 = the threshold of 2) may do anything, e.g. lower a threshold.
    const acc = await n.server.loadAccount(E);
    const both = new TransactionBuilder(acc, {fee: "100", networkPassphrase: passphrase})
      .addOperation(Operation.setOptions({lowThreshold: 1}))
      .setTimeout(0)
      .build();
    both.sign(lender, borrower);
    assert.equal(await txCode(both), "applied");
    const {loan} = await client.loadLoan(E);
    assert.equal(loan.state, "blocked");
    assert.match(loan.problem ?? "", /thresholds are not 2\/2\/2/);
    const listed = (await client.loansOf(borrower.publicKey())).find((l) => l.terms.escrow === E);
    assert.equal(listed?.state, "blocked");
    await assert.rejects(client.accept(borrower, E), (e: unknown) => e instanceof CreditError && e.code === "bad_escrow" && /cannot accept/.test(e.message));
    await assert.rejects(client.cancel(lender, E), (e: unknown) => e instanceof CreditError && e.code === "bad_escrow");
  });
});
