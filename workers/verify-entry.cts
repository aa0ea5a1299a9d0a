/**
 * Piscina's entry for the signature verification threads. Piscina loads its worker file with `require()`
 * first; on Node 20.19+ that goes through require(esm), which can abort the whole process with a
 * V8 fatal error ("IsGraphAsync must be used on an instantiated module") when a pool is torn down
 * while a thread is still loading. A CommonJS entry that imports the ES module keeps every
 * thread on the ordinary ESM loader.
 */
const load = () => import("./verify-worker.js").then((m) => m.default);
let handler: ReturnType<typeof load> | undefined;

module.exports = function run(task: Parameters<Awaited<ReturnType<typeof load>>>[0]) {
  handler ??= load();
  return handler.then((h) => h(task));
};
