/**
 * A small market for stream and dashboard tests, driven through @stellar/stellar-sdk: an issuer,
 * holders with a trustline, payments in the asset and a crossing of two offers against DIAM.
 */
import {Asset, Keypair, Operation, TransactionBuilder, type Horizon, type xdr} from "@stellar/stellar-sdk";
import type {RunningNode} from "./node.js";

export interface Market {
  issuer: Keypair;
  alice: Keypair;
  bob: Keypair;
  asset: Asset;
  passphrase: string;
  submit(signer: Keypair, ...ops: xdr.Operation[]): Promise<Horizon.HorizonApi.SubmitTransactionResponse>;
}

export async function passphraseOf(n: RunningNode): Promise<string> {
  return ((await (await fetch(n.url + "/")).json()) as {network_passphrase: string}).network_passphrase;
}

/** Funds an issuer, alice and bob; both trust `code` and alice holds 1000 of it. */
export async function openMarket(n: RunningNode, code: string): Promise<Market> {
  const passphrase = await passphraseOf(n);
  const issuer = Keypair.random();
  const alice = Keypair.random();
  const bob = Keypair.random();
  const asset = new Asset(code, issuer.publicKey());
  const submit = async (signer: Keypair, ...ops: xdr.Operation[]): Promise<Horizon.HorizonApi.SubmitTransactionResponse> => {
    const src = await n.server.loadAccount(signer.publicKey());
    const b = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase});
    for (const op of ops) b.addOperation(op);
    // No upper time bound: with 200 ms ledgers the ledger clock (one second or more per close) outruns the wall clock.
    const tx = b.setTimeout(0).build();
    tx.sign(signer);
    return n.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
  };
  for (const k of [issuer, alice, bob]) await n.server.friendbot(k.publicKey()).call();
  await submit(alice, Operation.changeTrust({asset}));
  await submit(bob, Operation.changeTrust({asset}));
  await submit(issuer, Operation.payment({destination: alice.publicKey(), asset, amount: "1000"}));
  return {issuer, alice, bob, asset, passphrase, submit};
}

/** Alice sells `amount` of the asset at 2 DIAM each; bob buys it all: one trade. */
export async function crossOffers(m: Market, amount: string): Promise<void> {
  await m.submit(m.alice, Operation.manageSellOffer({selling: m.asset, buying: Asset.native(), amount, price: "2"}));
  await m.submit(m.bob, Operation.manageBuyOffer({selling: Asset.native(), buying: m.asset, buyAmount: amount, price: "2"}));
}
