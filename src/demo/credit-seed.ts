/**
 * CreditCircle's part of the demo: a tokenised-diamond issuer (DIAMOND, the collateral), and two
 * loans from alice in CreditCircle's on-ledger format (src/wallet/credit.ts): one to bob, already
 * accepted (open, his DIAMOND locked in its escrow), and one offered to carol for her to accept in
 * the app.
 */
import {Asset, Keypair, Operation} from "@stellar/stellar-sdk";
import {CreditClient} from "../wallet/credit.js";
import type {DemoSeeder, DemoWorld} from "./seed.js";

const DAY_S = 24 * 3600;

function user(world: DemoWorld, name: string): Keypair {
  const u = world.users.find((x) => x.name === name);
  if (u === undefined) throw new Error(`the demo has no user ${name}`);
  return u.keypair;
}

export const seedCreditLoans: DemoSeeder = async (world) => {
  const s = world.submitter;
  const alice = user(world, "alice");
  const bob = user(world, "bob");
  const carol = user(world, "carol");
  const jeweler = Keypair.random();
  const diamond = new Asset("DIAMOND", jeweler.publicKey());
  await s.server.friendbot(jeweler.publicKey()).call();
  await Promise.all([bob, carol].map((k) => s.submit(k, [Operation.changeTrust({asset: diamond})])));
  await s.submit(jeweler, [
    Operation.payment({destination: bob.publicKey(), asset: diamond, amount: "10"}),
    Operation.payment({destination: carol.publicKey(), asset: diamond, amount: "5"}),
  ]);

  const credit = new CreditClient(s.server);
  const open = await credit.createOffer(alice, {
    borrower: bob.publicKey(),
    loanAsset: world.usd,
    principal: "100",
    repayment: "104",
    collateralAsset: diamond,
    collateral: "2",
    termSeconds: 7 * DAY_S,
    acceptSeconds: DAY_S,
  });
  await credit.accept(bob, open.terms.escrow);
  const offered = await credit.createOffer(alice, {
    borrower: carol.publicKey(),
    loanAsset: Asset.native(),
    principal: "1000",
    repayment: "1050",
    collateralAsset: diamond,
    collateral: "1",
    termSeconds: 3 * DAY_S,
    acceptSeconds: DAY_S,
  });
  return [
    `CreditCircle: DIAMOND (collateral) issued by ${jeweler.publicKey()}: bob 10, carol 5`,
    `  loan ${open.terms.escrow}: alice lent bob 100 USD against 2 DIAMOND, repay 104 USD within 7 days (open)`,
    `  loan ${offered.terms.escrow}: alice offers carol 1000 DIAM against 1 DIAMOND, repay 1050 within 3 days (accept it in the app)`,
  ];
};
