/**
 * Catch2's SECTION semantics for porting stellar-core's SCP tests: the body runs once per leaf
 * section; each run enters one not-yet-finished section per nesting level, and code around the
 * sections runs every time. `runSections` returns one result per run, named by the path of
 * sections entered, so each leaf reports as its own test.
 */
export type Section = (name: string, body: () => void) => void;

interface SectionNode {
  children: Map<string, SectionNode>;
  done: boolean;
  enteredThisRun: boolean;
}

const newNode = (): SectionNode => ({children: new Map(), done: false, enteredThisRun: false});

export interface SectionRun {
  path: string[];
  error: unknown;
}

export function runSections(body: (section: Section) => void, maxRuns = 1000): SectionRun[] {
  const root = newNode();
  const runs: SectionRun[] = [];
  const reset = (n: SectionNode): void => {
    n.enteredThisRun = false;
    for (const c of n.children.values()) reset(c);
  };
  while (!root.done) {
    if (runs.length >= maxRuns) throw new Error("section runner: too many runs");
    reset(root);
    let cur = root;
    const path: string[] = [];
    let marked = false;
    const section: Section = (name, fn) => {
      let node = cur.children.get(name);
      if (!node) {
        node = newNode();
        cur.children.set(name, node);
      }
      if (node.done || cur.enteredThisRun) return;
      cur.enteredThisRun = true;
      const parent = cur;
      cur = node;
      path.push(name);
      try {
        fn();
        node.done = [...node.children.values()].every((c) => c.done);
      } catch (err) {
        // Only the innermost failing section is finished; its parents are re-entered so that
        // their remaining sections still run.
        if (!marked) node.done = marked = true;
        throw err;
      } finally {
        cur = parent;
      }
    };
    let error: unknown = undefined;
    try {
      body(section);
    } catch (err) {
      error = err;
    }
    root.done = (error !== undefined && path.length === 0) || [...root.children.values()].every((c) => c.done);
    runs.push({path: [...path], error});
  }
  return runs;
}
