// The mesh set's trust root (see ./mesh-set.ts): the primaries sign with one root.

import type { CaFacts } from "../istio/types.js";
import { readCaFacts } from "./ca.js";
import { isRemote, type MeshSetContext, type MeshSetItem } from "./mesh-set-checks.js";

/** The fingerprints of a plug-in CA's root certificates, sorted; undefined when unknown. */
function rootOf(facts: CaFacts | undefined): string | undefined {
  const roots = facts?.certificates.filter((c) => c.file === "root-cert.pem").map((c) => c.fingerprint);
  return roots !== undefined && roots.length > 0 ? roots.sort().join(",") : undefined;
}

/** Two or more primaries sign with one root: each a plug-in CA (or each istio-csr), the same root certificate. */
export function checkTrustRoot({ items, report }: MeshSetContext): void {
  const primaries = items.filter((i) => !isRemote(i.manifest));
  if (primaries.length < 2) return;
  const typeOf = (i: MeshSetItem) => i.manifest.spec.ca?.type || "SELF_SIGNED";
  const shared = primaries.map(typeOf).find((t) => t !== "SELF_SIGNED");
  let root: { fingerprint: string; file: string } | undefined;
  for (const item of primaries) {
    const type = typeOf(item);
    if (type === "SELF_SIGNED") {
      report(
        item,
        "spec.ca",
        "mesh_set.trust_root_self_signed",
        "every primary's istiod would sign with its own self-signed root, which the other clusters do not trust",
        "give every primary a plug-in CA signed by one root: ca: {type: PLUGIN, plugin: {directory: ./certs/<cluster>}}",
      );
      continue;
    }
    if (type !== shared) {
      report(
        item,
        "spec.ca.type",
        "mesh_set.trust_root_differs",
        `the CA type ${type} differs from ${shared} of the other primaries`,
        "use one kind of CA, with one root, in every primary",
      );
      continue;
    }
    if (type !== "PLUGIN") continue;
    const fingerprint = rootOf("ca" in item ? item.ca : readCaFacts(item.manifest));
    if (fingerprint === undefined) continue; // an existing Secret, or files validate reported
    if (root === undefined) root = { fingerprint, file: item.file };
    else if (root.fingerprint !== fingerprint)
      report(
        item,
        "spec.ca.plugin",
        "mesh_set.trust_root_differs",
        `root-cert.pem differs from the root of ${root.file}`,
        "sign every cluster's intermediate CA with the same root, and give that root-cert.pem to each",
      );
  }
}
