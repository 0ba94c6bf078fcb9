import { parse } from "yaml";
import type { Json, JsonObject, Notes } from "../../convert/source.js";
import type { Values } from "../../istio/merge.js";
import { gatewayConflicts } from "./conflicts.js";
import type { IstioctlComponent, KubeObject, LiveMesh, LiveRelease } from "./live.js";

/**
 * The manifest fields a live Helm mesh sets, read from its releases' values. Only fields that
 * map one to one onto chart values are read (planton derives nothing else from them); every
 * other value stays in the release's values and reaches `helmValues` through the fit.
 */

const isMap = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const at = (v: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>((cur, k) => (isMap(cur) ? cur[k] : undefined), v);

/** Drops undefined and empty maps, so the manifest holds only what is set. */
function clean(o: Record<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    if (isMap(v)) {
      const inner = clean(v);
      if (Object.keys(inner).length > 0) out[k] = inner;
    } else out[k] = v as Json;
  }
  return out;
}

/** The istiod release of the default revision (the `default` tag's), or the only one. */
export function defaultIstiod(mesh: LiveMesh): LiveRelease | undefined {
  const istiods = mesh.releases.filter((r) => r.component === "istiod");
  const tag = mesh.tags.find((t) => t.name === "default")?.revision;
  return (
    istiods.find((r) => r.istioRevision !== "" && r.istioRevision === tag) ??
    istiods.find((r) => Array.isArray(r.values.revisionTags) && r.values.revisionTags.includes("default")) ??
    istiods.find((r) => r.istioRevision === "") ??
    istiods[0]
  );
}

/** version, or revisions and defaultRevision, from the istiod releases. */
function versions(mesh: LiveMesh, notes: Notes): JsonObject {
  const istiods = mesh.releases.filter((r) => r.component === "istiod");
  const revisioned = istiods.filter((r) => r.istioRevision !== "");
  const main = defaultIstiod(mesh);
  if (revisioned.length === 0) return clean({ version: main?.version });
  for (const r of istiods.filter((x) => x.istioRevision === ""))
    notes.dropped(
      `releases.${r.namespace}/${r.name}`,
      "an istiod without a revision beside revisioned ones: planton's manifest has either version or revisions; uninstall it once its workloads moved to a revision",
    );
  return clean({
    revisions: revisioned.map((r) => ({ name: r.istioRevision, version: r.version })),
    defaultRevision: main?.istioRevision || undefined,
  });
}

/** The mesh's profile: Helm's `profile` value of istiod, or ambient when ztunnel runs. */
function profile(mesh: LiveMesh, istiod: LiveRelease | undefined): string {
  const p = str(istiod?.values.profile);
  if (p === "demo" || p === "ambient") return p;
  return mesh.releases.some((r) => r.component === "ztunnel") ? "ambient" : "default";
}

/** A gateway release as a manifest gateway: name, namespace and its Service's settings. */
function gateway(r: LiveRelease): JsonObject {
  const svc = r.values.service;
  return clean({
    name: r.name,
    namespace: r.namespace,
    service: {
      type: str(at(svc, "type")),
      annotations: isMap(at(svc, "annotations")) ? at(svc, "annotations") : undefined,
      loadBalancerIp: str(at(svc, "loadBalancerIP")),
      externalTrafficPolicy: str(at(svc, "externalTrafficPolicy")),
    },
  });
}

/** The mesh config fields the manifest has, from istiod's `meshConfig` values or istioctl's `istio` ConfigMap. */
function meshConfig(m: unknown): JsonObject {
  return clean({
    accessLogFile: str(at(m, "accessLogFile")),
    accessLogEncoding: str(at(m, "accessLogEncoding")),
    outboundTrafficPolicy: str(at(m, "outboundTrafficPolicy", "mode")),
    trustDomain: str(at(m, "trustDomain")),
  });
}

/** What istioctl installed, as manifest fields: version, revision, namespace, profile, gateways, mesh config. */
function istioctlSpec(mesh: LiveMesh, pilot: IstioctlComponent): JsonObject {
  const ns = pilot.objects.find((o) => o.metadata?.namespace)?.metadata?.namespace;
  const revision = pilot.revision === "default" ? "" : pilot.revision;
  const has = (c: string) => mesh.istioctl.some((x) => x.component === c);
  const gateways = (c: string) =>
    mesh.istioctl
      .filter((x) => x.component === c)
      .flatMap((x) => x.objects.filter((o) => o.kind === "Deployment" && handsOver(o)))
      .map((d) => istioctlGateway(d, mesh.istioctl));
  const config = pilot.objects.find(
    (o) => o.kind === "ConfigMap" && o.metadata?.name === (revision ? `istio-${revision}` : "istio"),
  );
  let liveMeshConfig: unknown;
  try {
    liveMeshConfig = parse(
      String((config as { data?: Record<string, string> } | undefined)?.data?.mesh ?? "{}"),
    );
  } catch {
    liveMeshConfig = {};
  }
  return clean({
    ...(revision
      ? { revisions: [{ name: revision, version: pilot.version }], defaultRevision: revision }
      : { version: pilot.version }),
    images: istiodImage(pilot),
    profile: has("Ztunnel") ? "ambient" : "default",
    namespace: ns,
    ingressGateways: gateways("IngressGateways"),
    egressGateways: gateways("EgressGateways"),
    cni: has("Cni") && !has("Ztunnel") ? { enabled: true } : undefined,
    meshConfig: meshConfig(liveMeshConfig),
  });
}

/**
 * The hub and tag of istiod's image (`<hub>/pilot:<tag>`), as `spec.images`: the tag only when it
 * is not the version (planton's default). istioctl takes both from its own build, which the
 * charts' defaults need not match; planton sends the chart the hub and tag the manifest says.
 */
function istiodImage(pilot: IstioctlComponent): JsonObject | undefined {
  const deployment = pilot.objects.find((o) => o.kind === "Deployment");
  const containers = at(deployment?.spec, "template", "spec", "containers");
  const discovery = Array.isArray(containers)
    ? containers.find((c) => isMap(c) && c.name === "discovery")
    : undefined;
  const m = /^(.+)\/pilot:([^:/@]+)$/.exec(str(at(discovery, "image")) ?? "");
  if (m === null) return undefined;
  return clean({ hub: m[1], tag: m[2] === pilot.version ? undefined : m[2] });
}

/** An istioctl gateway that a gateway release of its name takes over without replacing its pods. */
export const handsOver = (d: KubeObject): boolean =>
  gatewayConflicts(d, { name: d.metadata?.name ?? "", values: {} }).length === 0;

/** An istioctl gateway Deployment as a manifest gateway, with its Service's type. */
function istioctlGateway(d: KubeObject, components: IstioctlComponent[]): JsonObject {
  const name = d.metadata?.name ?? "";
  const namespace = d.metadata?.namespace ?? "";
  const svc = components
    .flatMap((c) => c.objects)
    .find((o) => o.kind === "Service" && o.metadata?.name === name && o.metadata?.namespace === namespace);
  return clean({ name, namespace, service: { type: str(at(svc?.spec, "type")) } });
}

/** The spec, without `helmValues`, that reproduces the live mesh's structure. */
export function extractSpec(mesh: LiveMesh, notes: Notes): JsonObject {
  const pilot = mesh.istioctl.find((c) => c.component === "Pilot");
  if (pilot !== undefined && !mesh.releases.some((r) => r.component === "istiod"))
    return withMembers(mesh, istioctlSpec(mesh, pilot));
  const istiod = defaultIstiod(mesh);
  const v = istiod?.values ?? {};
  const ns = istiod?.namespace ?? mesh.releases.find((r) => r.component === "base")?.namespace;
  const prof = profile(mesh, istiod);
  const gateways = mesh.releases.filter((r) => r.component === "gateway");
  const egress = (r: LiveRelease) => /egress/.test(r.name);
  const cni = prof !== "ambient" && mesh.releases.some((r) => r.component === "cni");
  const revisions = new Set(mesh.releases.map((r) => r.istioRevision).filter((x) => x !== ""));
  // a tag a Helm release renders (its `revisionTags`) is declared too, so that it reaches that
  // revision's release alone; write-manifest.ts keeps it in helmValues.istiod.revisionTags
  const tags = mesh.tags.filter((t) => t.name !== "default" && revisions.has(t.revision));
  const spec = clean({
    ...versions(mesh, notes),
    profile: prof,
    namespace: ns,
    ingressGateways: gateways.filter((g) => !egress(g)).map(gateway),
    egressGateways: gateways.filter(egress).map(gateway),
    cni: cni ? { enabled: true } : undefined,
    meshConfig: meshConfig(at(v, "meshConfig")),
    multiCluster: {
      meshId: str(at(v, "global", "meshID")),
      clusterName: str(at(v, "global", "multiCluster", "clusterName")),
      network: str(at(v, "global", "network")),
    },
    revisionTags: tags.map((t) => ({ name: t.name, revision: t.revision })),
  });
  return withMembers(mesh, spec);
}

/** The mesh-wide mTLS mode and the labelled namespaces (which planton labels, never creates). */
function withMembers(mesh: LiveMesh, spec: JsonObject): JsonObject {
  // written out even when empty: an unset list means planton's default ingress gateway
  if (spec.ingressGateways === undefined) spec.ingressGateways = [];
  const mode = mesh.peerAuthentication?.mode;
  if (mode) spec.mtls = { mode };
  const namespaces = mesh.members.map((m) =>
    clean({ name: m.name, injection: m.injection, revision: m.revision || undefined, create: false }),
  );
  if (namespaces.length > 0) spec.namespaces = namespaces;
  return spec;
}
