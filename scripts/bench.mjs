#!/usr/bin/env node
// `npm run bench`: median wall time and peak memory of the offline commands as users run them
// (bin/planton), side by side with a bare Node.js start, in one run. Targets (issue 27): validate
// at most 2x and render at most 2.5x bare Node start, both under 100 MiB peak. Peak memory is the
// process's maxRSS from GNU time. Figures vary with the machine and its load; compare ratios.
// A generated manifest of 1 MB with 100,000 keys (the largest a manifest may be) must validate in
// under 2 s: parsing and the duplicate-key check are linear in its size.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const runs = Number(process.env.BENCH_RUNS ?? 21);
const root = join(import.meta.dirname, "..");
const planton = join(root, "bin", "planton");
const production = join(root, "examples", "production.yaml");
const gnuTime = ["/usr/bin/time", "/bin/time"].find((p) => existsSync(p));

/**
 * A valid manifest of just under 1 MiB (the most a manifest may be) with 100,000 keys in one
 * map of Helm values: the worst case for duplicate-key checks, which must stay linear.
 */
function largeManifest() {
  const name = (i) => {
    let s = "";
    do {
      s = String.fromCharCode(97 + (i % 26)) + s;
      i = Math.floor(i / 26);
    } while (i > 0);
    return s;
  };
  const lines = [
    "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesIstio\nmetadata:\n  name: large-mesh\n",
    "spec:\n  profile: minimal\n  helmValues:\n    istiod: {\n",
  ];
  for (let i = 0; i < 100_000; i += 100) {
    const row = [];
    for (let k = i; k < i + 100; k++) row.push(`${name(k)}: ${k % 10}`);
    lines.push(`      ${row.join(", ")},\n`);
  }
  lines.push("    }\n");
  return lines.join("");
}
const scratch = mkdtempSync(join(tmpdir(), "planton-bench-"));
const large = join(scratch, "large.yaml");
writeFileSync(large, largeManifest());
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

const cases = [
  ["node -e 0", process.execPath, ["-e", "0"]],
  ["planton --help", planton, ["--help"]],
  ["planton validate -f examples/production.yaml", planton, ["validate", "-f", production]],
  ["planton render -f examples/production.yaml", planton, ["render", "-f", production]],
];
/** Measured like the others, fewer times, against its own target. */
const largeCase = ["planton validate -f <1 MB, 100,000 keys>", planton, ["validate", "-f", large]];
const largeRuns = Math.min(runs, 5);
const largeTargetMs = 2000;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure([name, cmd, args], count) {
  const times = [];
  const rss = [];
  for (let i = 0; i < count + 2; i++) {
    const argv = gnuTime ? [gnuTime, "-f", "%M", cmd, ...args] : [cmd, ...args];
    const start = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
    if (i < 2) continue; // warm the disk and compile caches
    times.push(ms);
    if (gnuTime) rss.push(Number(r.stderr.trim().split("\n").at(-1)) / 1024);
  }
  return { name, medianMs: median(times), peakMiB: rss.length ? Math.max(...rss) : Number.NaN };
}

const results = cases.map((c) => measure(c, runs));
const largeResult = measure(largeCase, largeRuns);

const bare = results[0].medianMs;
console.log(
  `runs: ${runs} each, node ${process.version}${gnuTime ? "" : " (no GNU time: peak memory not measured)"}\n`,
);
console.log("command".padEnd(50), "median ms".padStart(10), "x node".padStart(8), "peak MiB".padStart(10));
for (const r of results) {
  console.log(
    r.name.padEnd(50),
    r.medianMs.toFixed(1).padStart(10),
    (r.medianMs / bare).toFixed(2).padStart(8),
    r.peakMiB.toFixed(1).padStart(10),
  );
}
console.log(
  `${largeResult.name.padEnd(50)} ${largeResult.medianMs.toFixed(1).padStart(10)} ${(largeResult.medianMs / bare).toFixed(2).padStart(8)} ${largeResult.peakMiB.toFixed(1).padStart(10)}  (${largeRuns} runs)`,
);
/** The most each offline command may take, in bare Node starts. */
const targets = { validate: 2, render: 2.5 };
const missed = results
  .slice(2)
  .filter((r) => r.medianMs > targets[r.name.split(" ")[1]] * bare || !(r.peakMiB < 100));
console.log(
  missed.length === 0
    ? "\ntargets met: validate within 2x and render within 2.5x bare Node start, both under 100 MiB"
    : `\ntargets missed (validate 2x, render 2.5x bare Node start, 100 MiB): ${missed.map((r) => r.name).join(", ")}`,
);
console.log(
  largeResult.medianMs < largeTargetMs
    ? `target met: the 1 MB manifest validates in under ${largeTargetMs} ms`
    : `target missed: the 1 MB manifest takes ${largeResult.medianMs.toFixed(0)} ms (target ${largeTargetMs} ms)`,
);
