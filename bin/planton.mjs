#!/usr/bin/env node
// The planton command. Loads the bundled CLI (dist/, built by `npm install`/`npm run build`).
import module from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

const [major] = process.versions.node.split(".").map(Number);
if (major < 22) {
  process.stderr.write(
    `error: planton needs Node.js 22 or newer; this is ${process.version}\n  hint: install Node.js 22 (e.g. with nvm: nvm install 22)\n`,
  );
  process.exit(1);
}
// the compile cache lives with planton's other files, not in the temporary folder
module.enableCompileCache?.(
  join(process.env.PLANTON_HOME || join(homedir(), ".planton"), "cache", "node-compile-cache"),
);
const { run } = await import("../dist/planton.mjs");
// run() maps every outcome to an exit code (stream errors included); exit explicitly, since the
// engine's gRPC server and Kubernetes clients may keep handles open
process.exit(await run(process.argv));
