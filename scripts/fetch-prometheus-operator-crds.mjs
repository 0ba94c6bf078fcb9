#!/usr/bin/env node
// Fetches the Prometheus Operator's ServiceMonitor and PodMonitor CRDs for the fidelity tests,
// which validate planton's monitors against their schemas. They come from the
// github.com/prometheus-operator/prometheus-operator Go module (folder
// example/prometheus-operator-crd) through the Go module proxy, and are cached under
// ~/.cache/planton-e2e/share/prometheus-operator-crds/<version>. Prints that folder.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const module = "github.com/prometheus-operator/prometheus-operator";
const version = "v0.85.0";
const files = ["monitoring.coreos.com_servicemonitors.yaml", "monitoring.coreos.com_podmonitors.yaml"];

const target = join(homedir(), ".cache", "planton-e2e", "share", "prometheus-operator-crds", version);
if (!files.every((f) => existsSync(join(target, f)))) {
  const mod = JSON.parse(
    execFileSync("go", ["mod", "download", "-json", `${module}@${version}`], { encoding: "utf8" }),
  );
  if (mod.Error) throw new Error(mod.Error);
  // copied into a fresh folder that replaces the target whole, so a cut-short run leaves nothing
  const partial = `${target}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  for (const f of files)
    copyFileSync(join(mod.Dir, "example", "prometheus-operator-crd", f), join(partial, f));
  rmSync(target, { recursive: true, force: true });
  renameSync(partial, target);
}
console.log(target);
