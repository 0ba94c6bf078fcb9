// spec.gatewayApi at run time: the shipped bundle read from the package (nothing is downloaded),
// the cluster's Gateway API CRDs read, the decision table applied, and the CRDs planton may write
// handed to the Pulumi program (which applies them server-side, before istiod).

import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parseAllDocuments } from "yaml";
import { readGatewayApi } from "../cluster/gateway-api.js";
import type { ResolvedCluster } from "../cluster/kubeconfig.js";
import {
  decideGatewayApiCrds,
  type GatewayApiDecision,
  type PlannedGatewayApi,
  writes,
} from "../istio/gateway-api.js";

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

/** One line per kind of decision, for the person running preview or apply. */
export function describeDecisions(bundle: PlannedGatewayApi, decisions: GatewayApiDecision[]): string {
  const count = (a: string) => decisions.filter((d) => d.action === a);
  const from = (ds: GatewayApiDecision[]) =>
    [...new Set(ds.map((d) => `${d.found?.version ?? "?"} ${d.found?.channel ?? "?"}`))].join(", ");
  const parts = [
    ["install", "to install"],
    ["upgrade", "to upgrade"],
    ["unchanged", "up to date"],
    ["foreign", "another owner's, left as they are"],
    ["downgrade", "newer, never downgraded"],
    ["channel-switch", "standard, the switch refused by the safe-upgrades policy"],
  ]
    .map(([a, text]) => {
      const ds = count(a as string);
      if (ds.length === 0) return "";
      return `${ds.length} ${text}${a === "upgrade" ? ` (from ${from(ds)})` : ""}`;
    })
    .filter((x) => x !== "");
  return `Gateway API CRDs ${bundle.version} (${bundle.channel}): ${parts.join("; ")}`;
}

/**
 * The Gateway API CRDs the program applies: those of the plan's bundle the decision table lets
 * planton write (absent, or planton's own). Tells what it decided through `info`.
 */
export async function gatewayApiCrdsToApply(
  plan: { gatewayApi?: PlannedGatewayApi },
  cluster: ResolvedCluster,
  info: (line: string) => void,
): Promise<CrdObject[]> {
  const bundle = plan.gatewayApi;
  if (bundle === undefined) return [];
  const { crds, policy } = await readGatewayApi(cluster);
  const decisions = decideGatewayApiCrds(bundle, crds, policy);
  info(describeDecisions(bundle, decisions));
  const write = new Set(decisions.filter((d) => writes(d.action)).map((d) => d.name));
  return readBundle(bundle).filter((o) => write.has(o.metadata.name as string));
}
