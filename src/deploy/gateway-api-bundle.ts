// The Gateway API CRD bundles planton ships (bundles/gateway-api), read from the package and
// checked against their recorded checksum. No cluster access here: `render --format` (in the
// start-up snapshot, which cannot hold the Kubernetes client) reads them too.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parseAllDocuments } from "yaml";
import type { PlannedGatewayApi } from "../istio/gateway-api.js";

/** A CRD object as the program applies it. */
export type CrdObject = { apiVersion: string; kind: string; metadata: Record<string, unknown> } & Record<
  string,
  unknown
>;

/**
 * The folder of the shipped bundles: `bundles/gateway-api` at the package's root, found above the
 * running script (bin/planton.mjs; a test file under tsx). Not from `import.meta`, which the
 * CommonJS start-up snapshot's bundle of the same code does not have.
 */
export function bundlesDir(script = process.argv[1] ?? ""): string {
  const from = dirname(existsSync(script) ? realpathSync(script) : join(process.cwd(), "x"));
  for (let dir = from, i = 0; i < 6; i++, dir = dirname(dir)) {
    const candidate = join(dir, "bundles", "gateway-api");
    if (existsSync(join(candidate, "bundles.json"))) return candidate;
  }
  throw new Error(`the Gateway API bundles are missing from the planton package (looked above ${from})`);
}

/** The CRDs of the plan's bundle, checked against their recorded checksum, labelled as planton's. */
export function readBundle(bundle: PlannedGatewayApi, dir = bundlesDir()): CrdObject[] {
  const gz = readFileSync(join(dir, bundle.file));
  const sum = createHash("sha256").update(gz).digest("hex");
  if (sum !== bundle.sha256)
    throw new Error(
      `${bundle.file}: checksum ${sum} is not the recorded ${bundle.sha256}; reinstall planton`,
    );
  return parseAllDocuments(gunzipSync(gz).toString("utf8"))
    .map((d) => d.toJS() as CrdObject | null)
    .filter((o): o is CrdObject => o !== null && o.kind === "CustomResourceDefinition")
    .map(({ status: _status, ...o }) => ({
      ...o,
      metadata: {
        ...o.metadata,
        labels: { ...(o.metadata.labels as Record<string, string> | undefined), ...bundle.labels },
      },
    }));
}
