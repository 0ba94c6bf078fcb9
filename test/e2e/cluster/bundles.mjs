// Applying YAML bundles to the harness's cluster, and the Gateway API CRD bundles that
// scripts/e2e-build.sh copies from sigs.k8s.io/gateway-api (test/e2e/cluster/gateway-api/modules.txt)
// into ${PLANTON_E2E_CACHE}/share/gateway-api/<version>/{standard,experimental}/.
//
//   await applyGatewayApi(cluster, { version: "v1.4.1" });   // the standard channel's CRDs
//
// Writes go through the harness's own identity (system:planton-e2e-harness), so they stay out of
// auditWrites' default selection.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { cacheRoot, sleep } from "./host.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const FIELD_MANAGER = "planton-e2e-harness";
export const GATEWAY_API_GROUPS = ["gateway.networking.k8s.io", "gateway.networking.x-k8s.io"];

/** The pinned Gateway API versions, oldest first (from gateway-api/modules.txt). */
export function gatewayApiVersions() {
  return fs
    .readFileSync(path.join(here, "gateway-api", "modules.txt"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .map((l) => l.split(/\s+/)[1]);
}

/** The folder holding one Gateway API bundle's CRD files. */
export function gatewayApiDir(version, channel = "standard", share = path.join(cacheRoot(), "share")) {
  const dir = path.join(share, "gateway-api", version, channel);
  if (!fs.existsSync(dir)) throw new Error(`${dir} is missing: run scripts/e2e-build.sh gatewayapi`);
  return dir;
}

/** Every object in the YAML files of a folder (sorted by file name). */
export function readBundle(dir) {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), "utf8")).map((d) => d.toJS()))
    .filter((o) => o && typeof o === "object" && o.kind);
}

// URL of an object, from API discovery (cached per cluster and group/version).
async function objectUrl(cluster, obj) {
  cluster.discovery ??= new Map();
  const gv = obj.apiVersion;
  if (!cluster.discovery.has(gv)) {
    const { status, body } = await cluster.request("GET", gv.includes("/") ? `/apis/${gv}` : `/api/${gv}`);
    if (status !== 200) throw new Error(`discovery of ${gv}: HTTP ${status}`);
    cluster.discovery.set(gv, body.resources ?? []);
  }
  const res = cluster.discovery.get(gv).find((r) => r.kind === obj.kind && !r.name.includes("/"));
  if (!res) throw new Error(`the API server does not serve ${obj.kind} in ${gv}`);
  const base = gv.includes("/") ? `/apis/${gv}` : `/api/${gv}`;
  const ns = res.namespaced ? `/namespaces/${obj.metadata.namespace ?? "default"}` : "";
  return `${base}${ns}/${res.name}/${encodeURIComponent(obj.metadata.name)}`;
}

/** Server-side applies each object in order (created or updated; conflicts forced). */
export async function applyObjects(cluster, objects) {
  for (const obj of objects) {
    const url = `${await objectUrl(cluster, obj)}?fieldManager=${FIELD_MANAGER}&force=true`;
    const { status, body } = await cluster.request("PATCH", url, obj, {
      contentType: "application/apply-patch+yaml",
      timeoutMs: 30000,
    });
    if (status !== 200 && status !== 201)
      throw new Error(`apply ${obj.kind} ${obj.metadata.name}: HTTP ${status} ${body?.message ?? ""}`);
  }
}

async function waitEstablished(cluster, names, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const { body } = await cluster.request(
        "GET",
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
      );
      const ok = (body.status?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True");
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}

/**
 * Applies a Gateway API bundle (its CRDs and, from v1.5 on, the safe-upgrades
 * ValidatingAdmissionPolicy) and waits for the CRDs to be Established. Resolves to the CRD names.
 * Note: once a bundle with that policy is in, the API server refuses CRDs older than v1.5.0 and
 * experimental CRDs over standard ones (the policy says so); removeGatewayApi clears the way.
 */
export async function applyGatewayApi(cluster, { version, channel = "standard", share } = {}) {
  const objects = readBundle(gatewayApiDir(version, channel, share));
  await applyObjects(cluster, objects);
  const crds = objects.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata.name);
  await waitEstablished(cluster, crds);
  return crds;
}

/** Deletes every Gateway API CRD and the safe-upgrades policy and binding, if present. */
export async function removeGatewayApi(cluster) {
  const vap = "/apis/admissionregistration.k8s.io/v1";
  const name = "safe-upgrades.gateway.networking.k8s.io";
  await cluster.request("DELETE", `${vap}/validatingadmissionpolicybindings/${name}`);
  await cluster.request("DELETE", `${vap}/validatingadmissionpolicies/${name}`);
  const crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  const { body } = await cluster.request("GET", crds);
  const ours = (body.items ?? []).filter((c) => GATEWAY_API_GROUPS.includes(c.spec.group));
  for (const c of ours) await cluster.request("DELETE", `${crds}/${c.metadata.name}`);
  for (const c of ours)
    while ((await cluster.request("GET", `${crds}/${c.metadata.name}`)).status !== 404) await sleep(100);
}
