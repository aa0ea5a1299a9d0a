/** Argument handling and output of `diamante network up|status|down` (the work is in network.ts). */
import {formatStatus, networkDown, networkStatus, networkUp, NetworkUsageError} from "./network.js";

export const NETWORK_USAGE = `
diamante network up --nodes N --base-port P --data DIR [--topology full|tiered] [--watchers K]
                    [--close-interval MS] [--passphrase TEXT]
    starts N validators (and K watchers) as separate processes on 127.0.0.1: node i serves its
    API on P+i and its peers on P+100+i; keys, config files (with each quorum set) and logs go
    to DIR/node-i. full: one set of all validators, threshold 2n/3+1; tiered: organisations of
    3 validators, 2 of each, 2k/3+1 of the k organisations.
diamante network status --data DIR [--json]
    per node: pid, API URL, peer port, latest ledger and hash, SCP phase, peers, role
diamante network down --data DIR
    stops every node of DIR (SIGTERM, SIGKILL after 10 s)
`;

function whole(v: string | undefined, name: string, min: number, max: number, dflt?: number): number {
  if (v === undefined) {
    if (dflt === undefined) throw new NetworkUsageError(`--${name} is required`);
    return dflt;
  }
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new NetworkUsageError(`--${name} must be a whole number from ${min} to ${max}, got "${v}"`);
  return Number(v);
}

export async function networkCommand(
  positionals: string[],
  f: {data?: string; nodes?: string; basePort?: string; topology?: string; watchers?: string; json: boolean; closeInterval?: string; passphrase?: string},
): Promise<number> {
  const sub = positionals[0];
  if (positionals.length !== 1 || !["up", "status", "down"].includes(sub ?? "")) {
    throw new NetworkUsageError(`unknown network command "${positionals.join(" ")}"; try \`diamante network up|status|down --data DIR\``);
  }
  if (f.data === undefined) throw new NetworkUsageError("--data DIR is required");
  switch (sub) {
    case "up": {
      const topology = f.topology ?? "full";
      if (topology !== "full" && topology !== "tiered") throw new NetworkUsageError(`--topology must be full or tiered, got "${topology}"`);
      const plan = await networkUp({
        dir: f.data,
        nodes: whole(f.nodes, "nodes", 1, 50),
        basePort: whole(f.basePort, "base-port", 1024, 65000),
        topology,
        watchers: whole(f.watchers, "watchers", 0, 50, 0),
        ...(f.closeInterval !== undefined ? {closeIntervalMs: whole(f.closeInterval, "close-interval", 10, 3_600_000)} : {}),
        ...(f.passphrase !== undefined ? {passphrase: f.passphrase} : {}),
      });
      for (const n of plan.nodes) {
        process.stdout.write(`node ${n.index} ${n.validator ? "validator" : "watcher  "} ${n.key} api http://127.0.0.1:${n.apiPort} peer ${n.peerPort} config ${n.dir}/config.json\n`);
      }
      return 0;
    }
    case "status": {
      const rows = networkStatus(f.data);
      process.stdout.write(f.json ? JSON.stringify(rows, null, 2) + "\n" : formatStatus(rows));
      return 0;
    }
    default: {
      const stopped = await networkDown(f.data);
      process.stdout.write(`stopped ${stopped} node${stopped === 1 ? "" : "s"}\n`);
      return 0;
    }
  }
}
