#!/usr/bin/env node
// Bundles the CLI into dist/ with esbuild. Start-up time matters (`planton --help` and
// `validate` should cost little more than Node itself): one bundled file loads much faster than
// hundreds of modules. The Pulumi SDK and the Kubernetes client stay external and are imported
// only by the commands that need a cluster, into their own chunk.
import { build } from "esbuild";

import { rmSync } from "node:fs";

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
