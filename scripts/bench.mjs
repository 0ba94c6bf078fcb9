#!/usr/bin/env node
// `npm run bench`: median wall time and peak memory of the offline commands, side by side with a
// bare Node.js start, in one run. Targets (issue 2/3): validate and render at most 3x bare Node
// start and under 100 MiB peak. Peak memory is the process's own maxRSS, reported at exit by a
// preloaded hook. Figures vary with the machine; compare the ratios.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const runs = Number(process.env.BENCH_RUNS ?? 21);
const dir = mkdtempSync(join(tmpdir(), "planton-bench-"));
const hook = join(dir, "rss-hook.cjs");
writeFileSync(
  hook,
  `process.on("exit", () => { require("fs").appendFileSync(process.env.BENCH_RSS_FILE, process.resourceUsage().maxRSS + "\\n"); });\n`,
);
const planton = join(import.meta.dirname, "..", "bin", "planton.mjs");
const examples = join(import.meta.dirname, "..", "examples");

const cases = [
  ["node -e 0", ["-e", "0"]],
  ["planton --help", [planton, "--help"]],
  [
    "planton validate -f examples/production.yaml",
    [planton, "validate", "-f", join(examples, "production.yaml")],
  ],
  [
    "planton render -f examples/production.yaml",
    [planton, "render", "-f", join(examples, "production.yaml")],
  ],
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const results = [];
for (const [name, args] of cases) {
  const rssFile = join(dir, `${results.length}.rss`);
  const times = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ["--require", hook, ...args], {
      env: { ...process.env, BENCH_RSS_FILE: rssFile },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
    if (i >= 2) times.push(ms); // the first two runs warm the disk cache and the compile cache
  }
  const rss = readFileSync(rssFile, "utf8").trim().split("\n").map(Number).slice(2);
  results.push({ name, medianMs: median(times), peakMiB: Math.max(...rss) / 1024 });
}

const bare = results[0].medianMs;
console.log(`runs: ${runs} each, node ${process.version}\n`);
console.log("command".padEnd(50), "median ms".padStart(10), "x node".padStart(8), "peak MiB".padStart(10));
for (const r of results) {
  console.log(
    r.name.padEnd(50),
    r.medianMs.toFixed(1).padStart(10),
    (r.medianMs / bare).toFixed(2).padStart(8),
    r.peakMiB.toFixed(1).padStart(10),
  );
}
const bad = results.slice(2).filter((r) => r.medianMs > 3 * bare || r.peakMiB >= 100);
console.log(
  bad.length === 0
    ? "\ntargets met: validate and render within 3x bare Node start and under 100 MiB"
    : `\ntargets missed: ${bad.map((r) => r.name).join(", ")}`,
);
rmSync(dir, { recursive: true, force: true });
