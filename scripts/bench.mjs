#!/usr/bin/env node
// `npm run bench`: median wall time and peak memory of the offline commands as users run them
// (bin/planton), side by side with a bare Node.js start, in one run. Targets (issues 2 and 3):
// validate and render at most 3x bare Node start and under 100 MiB peak. Peak memory is the
// process's maxRSS from GNU time. Figures vary with the machine and its load; compare ratios.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const runs = Number(process.env.BENCH_RUNS ?? 21);
const root = join(import.meta.dirname, "..");
const planton = join(root, "bin", "planton");
const production = join(root, "examples", "production.yaml");
const gnuTime = ["/usr/bin/time", "/bin/time"].find((p) => existsSync(p));

const cases = [
  ["node -e 0", process.execPath, ["-e", "0"]],
  ["planton --help", planton, ["--help"]],
  ["planton validate -f examples/production.yaml", planton, ["validate", "-f", production]],
  ["planton render -f examples/production.yaml", planton, ["render", "-f", production]],
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const results = [];
for (const [name, cmd, args] of cases) {
  const times = [];
  const rss = [];
  for (let i = 0; i < runs + 2; i++) {
    const argv = gnuTime ? [gnuTime, "-f", "%M", cmd, ...args] : [cmd, ...args];
    const start = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
    if (i < 2) continue; // warm the disk and compile caches
    times.push(ms);
    if (gnuTime) rss.push(Number(r.stderr.trim().split("\n").at(-1)) / 1024);
  }
  results.push({ name, medianMs: median(times), peakMiB: rss.length ? Math.max(...rss) : Number.NaN });
}

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
const missed = results.slice(2).filter((r) => r.medianMs > 3 * bare || !(r.peakMiB < 100));
console.log(
  missed.length === 0
    ? "\ntargets met: validate and render within 3x bare Node start and under 100 MiB"
    : `\ntargets missed: ${missed.map((r) => r.name).join(", ")}`,
);
