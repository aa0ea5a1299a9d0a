/**
 * Seeds a running node with a small economy for the browser apps: two anchors (USD and AED
 * issuers whose home_domain points at their SEP-1/SEP-6 servers, kept running by this process),
 * a market maker bridging both through DIAM (so USD → AED goes USD → DIAM → AED), and a few users
 * with balances and keystores (format v1, the files `diamante wallet` and the apps open).
 * Everything goes through the node's public API with the SDK, as any client would.
 */
import {mkdirSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {Asset, Keypair, Operation} from "@stellar/stellar-sdk";
import type {Logger} from "pino";
import {createKeystore, serializeKeystore} from "../wallet/keystore.js";
import {nodeSodium} from "../wallet/sodium-node.js";
import {DEFAULT_KDF, type KdfParams} from "../wallet/options.js";
import {Anchor} from "./anchor.js";
import {DemoError} from "./errors.js";
import {Submitter} from "./submit.js";

/**
 * The demo's prices, close to real exchange rates so the apps' quotes look familiar:
 * 1 USD = 10 DIAM, 1 AED = 2.75 DIAM (so 1 USD ≈ 3.64 AED through DIAM), with a small spread.
 */
export const DEMO_OFFERS = [
  {selling: "DIAM", buying: "USD", amount: "4000", price: "0.1"},
  {selling: "USD", buying: "DIAM", amount: "1000", price: "10.2"},
  {selling: "AED", buying: "DIAM", amount: "10000", price: "2.75"},
  {selling: "DIAM", buying: "AED", amount: "4000", price: "0.37"},
] as const;

/** Users and their starting credit balances (each also gets friendbot's 10,000 DIAM). */
export const DEMO_USERS = [
  {name: "alice", holds: {USD: "500"}},
  {name: "bob", holds: {AED: "200"}},
  /** No trustline yet: the anchor deposit flow offers to add one. */
  {name: "carol", holds: {}},
] as const;

export interface SeedOptions {
  nodeUrl: string;
  /** Where the users' keystores are written (created if missing). */
  keystoreDir: string;
  password: string;
  /** Argon2id cost of the users' keystores; tests pass small values, the demo the defaults. */
  kdf?: KdfParams;
  log?: Logger;
}

export interface DemoUser {
  name: string;
  keypair: Keypair;
  /** Path of the user's keystore file. */
  keystore: string;
}

export interface DemoWorld {
  usd: Asset;
  aed: Asset;
  anchors: Anchor[];
  maker: Keypair;
  users: DemoUser[];
  submitter: Submitter;
  /** Stops the anchors' servers and streams. */
  stop(): Promise<void>;
}

/**
 * More seeding after the base world, e.g. CreditCircle's loans: `seedDemo` runs the ones it is
 * given in order, with the world built so far, and returns the lines they want printed.
 */
export type DemoSeeder = (world: DemoWorld) => Promise<string[]>;

async function fund(s: Submitter, ...keys: Keypair[]): Promise<void> {
  await Promise.all(
    keys.map(async (k) => {
      try {
        await s.server.friendbot(k.publicKey()).call();
      } catch (err) {
        throw new DemoError("node_unavailable", `friendbot did not fund ${k.publicKey()} (is this a test network started without --no-friendbot?): ${(err as Error).message}`);
      }
    }),
  );
}

function assetOf(code: string, usd: Asset, aed: Asset): Asset {
  return code === "USD" ? usd : code === "AED" ? aed : Asset.native();
}

export async function seedDemo(opts: SeedOptions, extra: DemoSeeder[] = []): Promise<{world: DemoWorld; notes: string[]}> {
  const s = await Submitter.connect(opts.nodeUrl);
  const usdIssuer = Keypair.random();
  const aedIssuer = Keypair.random();
  const maker = Keypair.random();
  const users = DEMO_USERS.map((u) => ({...u, keypair: Keypair.random()}));
  const usd = new Asset("USD", usdIssuer.publicKey());
  const aed = new Asset("AED", aedIssuer.publicKey());
  opts.log?.info("funding accounts with friendbot");
  await fund(s, usdIssuer, aedIssuer, maker, ...users.map((u) => u.keypair));

  const anchors = [
    new Anchor({nodeUrl: opts.nodeUrl, issuer: usdIssuer, code: "USD", description: "US dollar (demo anchor)", ...(opts.log ? {log: opts.log} : {})}),
    new Anchor({nodeUrl: opts.nodeUrl, issuer: aedIssuer, code: "AED", description: "UAE dirham (demo anchor)", ...(opts.log ? {log: opts.log} : {})}),
  ];
  const stop = async () => {
    await Promise.all(anchors.map((a) => a.stop()));
  };
  try {
    opts.log?.info("trustlines, anchors' home domains");
    await Promise.all([
      ...anchors.map((a) => a.start()),
      s.submit(maker, [Operation.changeTrust({asset: usd}), Operation.changeTrust({asset: aed})]),
      ...users
        .filter((u) => Object.keys(u.holds).length > 0)
        .map((u) => s.submit(u.keypair, Object.keys(u.holds).map((code) => Operation.changeTrust({asset: assetOf(code, usd, aed)})))),
    ]);

    opts.log?.info("issuing USD and AED");
    const issue = (issuer: Keypair, asset: Asset, makerAmount: string) =>
      s.submit(issuer, [
        Operation.payment({destination: maker.publicKey(), asset, amount: makerAmount}),
        ...users.flatMap((u) => Object.entries(u.holds as Record<string, string>).filter(([code]) => code === asset.getCode()).map(([, amount]) => Operation.payment({destination: u.keypair.publicKey(), asset, amount}))),
      ]);
    await Promise.all([issue(usdIssuer, usd, "10000"), issue(aedIssuer, aed, "50000")]);

    opts.log?.info("market maker offers");
    await s.submit(
      maker,
      DEMO_OFFERS.map((o) => Operation.manageSellOffer({selling: assetOf(o.selling, usd, aed), buying: assetOf(o.buying, usd, aed), amount: o.amount, price: o.price})),
    );

    mkdirSync(opts.keystoreDir, {recursive: true});
    const demoUsers: DemoUser[] = users.map((u) => {
      // A copy: rawSecretKey() is the keypair's own buffer, which still signs afterwards.
      const seed = new Uint8Array(u.keypair.rawSecretKey());
      const file = createKeystore(nodeSodium, {name: u.name, secret: {kind: "key", seed}, password: opts.password, kdf: opts.kdf ?? DEFAULT_KDF});
      seed.fill(0);
      const path = join(opts.keystoreDir, `${u.name}.json`);
      // 0600: the file is encrypted, but a keystore is still nobody else's business.
      writeFileSync(path, serializeKeystore(file), {mode: 0o600});
      return {name: u.name, keypair: u.keypair, keystore: path};
    });

    const world: DemoWorld = {usd, aed, anchors, maker, users: demoUsers, submitter: s, stop};
    const notes: string[] = [];
    for (const seeder of extra) notes.push(...(await seeder(world)));
    return {world, notes};
  } catch (err) {
    await stop();
    throw err;
  }
}
