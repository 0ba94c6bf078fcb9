#!/usr/bin/env node
// Bundles the CLI into dist/ with esbuild. Start-up time matters (`planton --help` and
// `validate` should cost little more than Node itself): one bundled file loads much faster than
// hundreds of modules. The Pulumi SDK and the Kubernetes client stay external and are imported
// only by the commands that need a cluster, into their own chunk.
import { build } from "esbuild";

import { execFileSync } from "node:child_process";
import { existsSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: { planton: "src/main.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22",
  chunkNames: "chunks/[name]-[hash]",
  external: ["@pulumi/*", "@kubernetes/client-node"],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  sourcemap: "linked",
  logLevel: "warning",
});

// The startup snapshot for the offline commands (see src/snapshot.ts). Optional: where it cannot
// be built, bin/planton runs dist/planton.mjs as usual.
try {
  await build({
    entryPoints: ["src/snapshot.ts"],
    outfile: "dist/snapshot/entry.cjs",
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node22",
    external: ["@pulumi/*", "@kubernetes/client-node", "log-update"],
    // smaller source text, smaller snapshot heap, faster start (~10 ms); names kept for errors
    minify: true,
    keepNames: true,
    logLevel: "warning",
  });
  // --no-warnings: Node calls node:tty and node:child_process "not yet fully verified" in
  // snapshots; test/unit/cli/bin.test.ts checks that the snapshot behaves like the plain CLI
  execFileSync(
    process.execPath,
    [
      "--no-warnings",
      "--snapshot-blob",
      "dist/snapshot/planton.blob",
      "--build-snapshot",
      "dist/snapshot/entry.cjs",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  // bin/planton uses the snapshot only with the node that built it: it compares the `node` it
  // finds on PATH (a shell built-in) with this path, and skips the snapshot if that binary changed
  // after this stamp was written. A failed check costs nothing but the snapshot's speed.
  const onPath = (process.env.PATH ?? "")
    .split(delimiter)
    .map((d) => join(d, "node"))
    .find((p) => existsSync(p) && realpathSync(p) === realpathSync(process.execPath));
  writeFileSync("dist/snapshot/node-path", `${onPath ?? process.execPath}\n`);
} catch (err) {
  process.stderr.write(
    `warning: no start-up snapshot (${err.message.split("\n")[0]}); planton still works, only slower to start\n`,
  );
}
