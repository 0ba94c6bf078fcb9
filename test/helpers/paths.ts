import { readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. @internal */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** YAML files in a folder of the repository, as [case name, absolute path]. @internal */
export function yamlFiles(folder: string, prefix = ""): [string, string][] {
  const dir = join(root, folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => [`${prefix}${basename(f, ".yaml")}`, join(dir, f)]);
}

/** Every valid manifest the tests know: the examples and the targeted fixtures. @internal */
export function validManifests(): [string, string][] {
  return [
    ...yamlFiles("examples", "example-"),
    ...yamlFiles("examples/canary", "canary-"),
    ...yamlFiles("test/fixtures/manifests/valid"),
  ];
}
