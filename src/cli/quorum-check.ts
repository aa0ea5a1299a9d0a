/**
 * `diamante quorum check FILE [--json] [--dset NODES] [--ill NODES]`: the whitepaper's network
 * analysis of a stellarbeat node list or a node config (see scp/stellarbeat.ts for both).
 * Exit 0 with the report (whether or not the network enjoys quorum intersection), 2 on bad
 * flags, 1 on a file that cannot be read or analysed.
 */
import {readFileSync} from "node:fs";
import {parseArgs} from "node:util";
import {analyzeFbas, befouledSet, isDSet, quorumReport, type QuorumReport} from "../scp/analysis.js";
import {loadFbasJson, type LoadedFbas} from "../scp/stellarbeat.js";
import type {NodeId} from "../scp/types.js";
import {DiamanteError} from "../util/errors.js";

export const QUORUM_USAGE = `diamante quorum check FILE [--json] [--dset NODES] [--ill NODES]

FILE is a stellarbeat node list (JSON array of nodes with publicKey and nested quorumSet) or a
node config (JSON object with quorumSet, optional publicKey and validators [{publicKey,
quorumSet}]; validators without a known quorum set are assumed to use the config's).
Reports quorum intersection (two disjoint quorums when it fails), all minimal blocking sets and
a smallest one, and the top tier (union of all minimal quorums).
  --json        one JSON object: intersection, disjoint_quorums, smallest_blocking_set,
                minimal_blocking_sets, top_tier (plus dset, ill, assumed when asked or used)
  --dset NODES  whether these nodes form a D Set (comma-separated public keys or names)
  --ill NODES   given these ill-behaved nodes, which nodes are intact and which befouled
`;

class QuorumUsageError extends Error {}

function resolveNodes(list: string, loaded: LoadedFbas, flag: string): NodeId[] {
  const byName = new Map<string, NodeId>();
  for (const [id, name] of loaded.names) byName.set(name, id);
  const out = new Set<NodeId>();
  for (const raw of list.split(",")) {
    const t = raw.trim();
    if (t === "") continue;
    const id = loaded.fbas.has(t) ? t : byName.get(t);
    if (id === undefined || !loaded.fbas.has(id)) throw new QuorumUsageError(`--${flag}: unknown validator "${t}"`);
    out.add(id);
  }
  if (out.size === 0) throw new QuorumUsageError(`--${flag} needs at least one node`);
  return [...out].sort();
}

function label(id: NodeId, loaded: LoadedFbas): string {
  const name = loaded.names.get(id);
  return name ? `${id} (${name})` : id;
}

function formatText(r: QuorumReport, loaded: LoadedFbas): string {
  const lines: string[] = [];
  const list = (ids: NodeId[]) => (ids.length === 0 ? "  (none)" : ids.map((id) => `  ${label(id, loaded)}`).join("\n"));
  lines.push(`validators: ${r.nodes}, minimal quorums: ${r.minimal_quorums}`);
  if (r.assumed && r.assumed.length > 0) lines.push(`assumed to use the config's quorum set: ${r.assumed.length} validators`);
  lines.push(`quorum intersection: ${r.intersection ? "yes" : "NO"}`);
  if (r.disjoint_quorums) {
    lines.push("two disjoint quorums:", list(r.disjoint_quorums[0]), "  --", list(r.disjoint_quorums[1]));
  }
  lines.push(`top tier (${r.top_tier.length}):`, list(r.top_tier));
  lines.push(`smallest blocking set (${r.smallest_blocking_set.length}):`, list(r.smallest_blocking_set));
  lines.push(`minimal blocking sets: ${r.minimal_blocking_sets.length}`);
  for (const b of r.minimal_blocking_sets) lines.push(`  {${b.map((id) => loaded.names.get(id) ?? id).join(", ")}}`);
  if (r.dset) lines.push(`D Set {${r.dset.nodes.join(", ")}}: ${r.dset.is_dset ? "yes" : "no"}`);
  if (r.ill) lines.push(`befouled given ill-behaved {${r.ill.nodes.join(", ")}}:`, list(r.ill.befouled), "intact:", list(r.ill.intact));
  return lines.join("\n") + "\n";
}

/** Runs the command; returns the exit code. `out`/`err` default to the process streams. */
export function runQuorumCommand(
  args: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): number {
  try {
    const {values, positionals} = parseArgs({
      args,
      options: {json: {type: "boolean"}, dset: {type: "string"}, ill: {type: "string"}, help: {type: "boolean", short: "h"}},
      strict: true,
      allowPositionals: true,
    });
    if (values.help) {
      out(QUORUM_USAGE);
      return 0;
    }
    if (positionals[0] !== "check" || positionals.length !== 2) throw new QuorumUsageError("usage: diamante quorum check FILE [--json] [--dset NODES] [--ill NODES]");
    const file = positionals[1]!;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      err(`diamante: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 1;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      err(`diamante: ${file} is not JSON: ${(e as Error).message}\n`);
      return 1;
    }
    const loaded = loadFbasJson(json);
    const dset = values.dset === undefined ? undefined : resolveNodes(values.dset, loaded, "dset");
    const ill = values.ill === undefined ? undefined : resolveNodes(values.ill, loaded, "ill");
    const report = quorumReport(analyzeFbas(loaded.fbas), loaded.fbas.size);
    if (dset) report.dset = {nodes: dset, is_dset: isDSet(loaded.fbas, new Set(dset))};
    if (ill) {
      const befouled = befouledSet(loaded.fbas, new Set(ill));
      report.ill = {
        nodes: ill,
        befouled: [...befouled].sort(),
        intact: [...loaded.fbas.keys()].filter((n) => !befouled.has(n)).sort(),
      };
    }
    if (loaded.assumed.length > 0) report.assumed = loaded.assumed;
    out(values.json ? JSON.stringify(report) + "\n" : formatText(report, loaded));
    return 0;
  } catch (e) {
    if (e instanceof QuorumUsageError || (e as {code?: string}).code?.startsWith("ERR_PARSE_ARGS")) {
      err(`diamante: ${(e as Error).message}\n`);
      return 2;
    }
    if (e instanceof DiamanteError) {
      err(`diamante: ${e.message} (${e.code})\n`);
      return 1;
    }
    throw e;
  }
}
