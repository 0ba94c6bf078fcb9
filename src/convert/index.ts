import { defaultIstioVersion } from "../istio/versions.js";
import { type Chart, Context, removedBefore124 } from "./context.js";
import { convertControlPlane } from "./control-plane.js";
import { convertDataplane } from "./dataplane.js";
import { convertGateways } from "./gateways.js";
import { dropOverlays, stringMap } from "./k8s.js";
import { convertMeshConfig } from "./mesh.js";
import { isObject, type Json, type JsonObject, type Note, show, Source } from "./source.js";
import { convertValues } from "./values.js";

export type { Note } from "./source.js";

/**
 * IstioOperator → KubernetesIstio. Pure: a parsed IstioOperator (or a bare IstioOperator spec)
 * in, the manifest as a plain JSON object and the notes about what did not map out.
 */

export interface ConvertOptions {
  /** metadata.name of the manifest; default: the IstioOperator's name. */
  name?: string | undefined;
}

export type ConvertResult =
  | { kind: "ok"; manifest: JsonObject; notes: Note[]; source: string }
  | { kind: "not_operator"; path: string; message: string; hint: string }
  | { kind: "no_name" }
  /** The IstioOperator's name cannot name a manifest; `suggestion` can. */
  | { kind: "bad_name"; name: string; suggestion: string };

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Fields of an IstioOperator's spec (install.istio.io/v1alpha1). */
const specFields = new Set([
  "profile",
  "installPackagePath",
  "hub",
  "tag",
  "resourceSuffix",
  "namespace",
  "revision",
  "compatibilityVersion",
  "defaultRevision",
  "meshConfig",
  "components",
  "addonComponents",
  "values",
  "unvalidatedValues",
]);

const fragmentHint =
  "pass an IstioOperator (apiVersion: install.istio.io/v1alpha1, kind: IstioOperator) or its spec";

/** The IstioOperator's spec, name and labels, or why the document is not one. */
function readOperator(
  doc: Json,
):
  | { kind: "ok"; spec: JsonObject; prefix: string; name?: string; labels?: Record<string, string> }
  | Extract<ConvertResult, { kind: "not_operator" }> {
  const fail = (path: string, message: string, hint = fragmentHint) =>
    ({ kind: "not_operator", path, message, hint }) as const;
  if (!isObject(doc)) return fail("", "is not an IstioOperator: the document is not a map");
  const resource = "apiVersion" in doc || "kind" in doc || "spec" in doc;
  if (!resource) {
    const unknown = Object.keys(doc).find((k) => !specFields.has(k));
    if (unknown !== undefined)
      return fail(unknown, `is not an IstioOperator field (nor an IstioOperator resource's)`);
    return { kind: "ok", spec: doc, prefix: "" };
  }
  if (doc.kind === "KubernetesIstio")
    return fail("kind", "is already a KubernetesIstio manifest", "run `planton validate` on it instead");
  if (doc.kind !== "IstioOperator") return fail("kind", `is ${show(doc.kind ?? null)}, not IstioOperator`);
  const api = doc.apiVersion;
  if (typeof api !== "string" || !api.startsWith("install.istio.io/"))
    return fail("apiVersion", `is ${show(api ?? null)}, not install.istio.io/v1alpha1`);
  const spec = doc.spec ?? {};
  if (!isObject(spec)) return fail("spec", "is not a map");
  const meta = isObject(doc.metadata) ? doc.metadata : {};
  const out: {
    kind: "ok";
    spec: JsonObject;
    prefix: string;
    name?: string;
    labels?: Record<string, string>;
  } = {
    kind: "ok",
    spec,
    prefix: "spec",
  };
  if (typeof meta.name === "string" && meta.name !== "") out.name = meta.name;
  const labels = stringMap(meta.labels);
  if (labels !== undefined) out.labels = labels;
  return out;
}

/** Converts an IstioOperator document (as parsed from YAML or JSON). */
export function convertIstioOperator(doc: Json, options: ConvertOptions = {}): ConvertResult {
  const read = readOperator(doc);
  if (read.kind !== "ok") return read;
  const name = options.name ?? read.name;
  if (name === undefined) return { kind: "no_name" };
  if (options.name === undefined && (!dnsLabel.test(name) || name.length > 53)) {
    const suggestion =
      name
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .slice(0, 53)
        .replace(/^-+|-+$/g, "") || "mesh";
    return { kind: "bad_name", name, suggestion };
  }

  const ctx = new Context(read.prefix);
  const src = ctx.track(new Source(read.spec, read.prefix));
  convertTop(ctx, src);
  convertMeshConfig(ctx, src, "meshConfig");
  convertControlPlane(ctx, src);
  convertGateways(ctx, src);
  convertDataplane(ctx, src);
  convertValues(ctx, src);
  convertRemoved(ctx, src);
  finishRevision(ctx, src);

  for (const s of ctx.sources)
    for (const [path, value] of s.rest(8)) ctx.notes.dropped(path, `${show(value)}: ${leftoverReason(path)}`);

  const metadata: JsonObject = { name };
  if (read.labels !== undefined) metadata.labels = read.labels;
  const spec = assembleSpec(ctx);
  const notes = [...ctx.notes.list].sort(
    (a, b) => (a.kind === b.kind ? 0 : a.kind === "dropped" ? -1 : 1) || a.path.localeCompare(b.path),
  );
  return {
    kind: "ok",
    manifest: {
      apiVersion: "kubernetes.project-planton.org/v1",
      kind: "KubernetesIstio",
      metadata,
      spec,
    },
    notes,
    source: read.name ?? "",
  };
}

function leftoverReason(path: string): string {
  const m = /values\.(pilot|global|sidecarInjectorWebhook|cni|ztunnel|base)\b/.exec(path);
  if (m !== null) {
    const chart = m[1] === "cni" || m[1] === "ztunnel" || m[1] === "base" ? m[1] : "istiod";
    return `the ${chart} chart (Istio 1.30) has no such key`;
  }
  return "no planton or chart equivalent";
}

/** profile, hub, tag, namespace and the other top-level spec fields. */
function convertTop(ctx: Context, src: Source): void {
  // the Helm profile istioctl's own profiles pass to the charts (demo, ambient)
  const helmProfile = src.takeString("values", "profile");
  let profile = src.takeString("profile") ?? "";
  if (helmProfile !== undefined && helmProfile !== profile) {
    if (profile === "" && (helmProfile === "demo" || helmProfile === "ambient")) profile = helmProfile;
    else
      ctx.notes.dropped(
        src.at("values", "profile"),
        `Helm profile ${show(helmProfile)} differs from the profile ${show(profile || "default")}`,
      );
  }
  switch (profile) {
    case "":
    case "default":
    case "minimal":
    case "demo":
    case "ambient":
      ctx.profile = profile || "default";
      break;
    case "empty":
      ctx.profile = "minimal";
      ctx.notes.dropped(
        src.at("profile"),
        "the empty profile installs nothing by itself; planton always installs base and istiod, so this is minimal",
      );
      break;
    case "preview":
      ctx.profile = "default";
      ctx.helmValue(
        "istiod",
        ["meshConfig", "defaultConfig", "proxyMetadata", "ISTIO_META_DNS_CAPTURE"],
        "true",
      );
      ctx.notes.changed(
        src.at("profile"),
        "preview is default plus DNS capture; written as profile: default with meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE",
      );
      break;
    case "stable":
      ctx.profile = "default";
      ctx.helmValue("base", ["profile"], "stable");
      ctx.helmValue("istiod", ["profile"], "stable");
      ctx.notes.changed(src.at("profile"), "stable is the default profile with the charts' stable profile");
      break;
    case "openshift":
    case "openshift-ambient":
      ctx.profile = profile === "openshift" ? "default" : "ambient";
      for (const chart of ["base", "istiod", "cni", "ztunnel", "gateway"] as Chart[])
        ctx.helmValue(chart, ["global", "platform"], "openshift");
      if (profile === "openshift") ctx.section("cni").enabled = true;
      ctx.notes.changed(
        src.at("profile"),
        `${profile} is ${ctx.profile} with CNI on the openshift platform; planton installs CNI in spec.namespace, not kube-system`,
      );
      break;
    default:
      ctx.profile = "default";
      ctx.notes.dropped(
        src.at("profile"),
        `profile ${show(profile)} has no planton equivalent (minimal, default, demo, ambient); default used`,
      );
  }
  ctx.spec.profile = ctx.profile;

  const ns = src.takeString("namespace");
  const globalNs = src.takeString("values", "global", "istioNamespace");
  if (ns && globalNs && ns !== globalNs)
    ctx.notes.dropped(
      src.at("values", "global", "istioNamespace"),
      `differs from spec.namespace (${ns}); planton uses one control-plane namespace`,
    );
  ctx.namespace = ns || globalNs || "istio-system";
  if (ctx.namespace !== "istio-system") ctx.spec.namespace = ctx.namespace;

  const hub = src.takeString("hub");
  if (hub) ctx.section("images").hub = hub;
  const tag = src.takeString("tag");
  if (tag) ctx.applyTag(tag, src.at("tag"));

  const compat = src.takeString("compatibilityVersion");
  if (compat !== undefined)
    for (const chart of ["base", "istiod", "cni", "ztunnel", "gateway"] as Chart[])
      ctx.helmValue(chart, ["compatibilityVersion"], compat);
  if (src.take("installPackagePath") !== undefined)
    ctx.notes.dropped(
      src.at("installPackagePath"),
      "planton installs Istio's published charts; point spec.charts.repository at a mirror or a directory of chart archives instead",
    );
  if (src.take("unvalidatedValues") !== undefined)
    ctx.notes.dropped(src.at("unvalidatedValues"), "unvalidated values have no planton equivalent");
  if (src.take("resourceSuffix") !== undefined)
    ctx.notes.dropped(src.at("resourceSuffix"), `${removedBefore124}`);
  if (src.take("defaultRevision") !== undefined)
    ctx.notes.dropped(src.at("defaultRevision"), "planton picks the default revision (spec.defaultRevision)");
}

/** Components and add-ons Istio removed, and components planton always or never installs. */
function convertRemoved(ctx: Context, src: Source): void {
  const removed: Record<string, string> = {
    policy: "the Mixer policy component",
    telemetry: "the Mixer telemetry component",
    citadel: "Citadel (istiod is the CA)",
    galley: "Galley (part of istiod)",
    sidecarInjector: "the separate sidecar injector (part of istiod)",
    nodeAgent: "the node agent",
  };
  for (const [c, what] of Object.entries(removed)) {
    if (src.take("components", c) !== undefined)
      ctx.notes.dropped(src.at("components", c), `${what}, ${removedBefore124}`);
  }
  if (src.take("components", "istiodRemote") !== undefined)
    ctx.notes.dropped(src.at("components", "istiodRemote"), "a remote control plane is not supported yet");
  dropOverlays(ctx, src, "components", "base", "k8s");
  const base = src.takeBool("components", "base", "enabled");
  if (base === false)
    ctx.notes.dropped(src.at("components", "base", "enabled"), "planton always installs base (Istio's CRDs)");
  if (src.take("addonComponents") !== undefined)
    ctx.notes.dropped(src.at("addonComponents"), `add-on components, ${removedBefore124}`);
}

/** `spec.revision`: one revision of the version read, which holds the default tag. */
function finishRevision(ctx: Context, src: Source): void {
  const revision = src.takeString("revision");
  if (!revision) return;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(revision) || revision.length > 46 || revision === "default") {
    ctx.notes.dropped(
      src.at("revision"),
      `revision ${show(revision)} is not a DNS-1123 label of at most 46 characters other than "default"; installed without a revision`,
    );
    return;
  }
  ctx.spec.revisions = [{ name: revision, version: ctx.spec.version ?? defaultIstioVersion }];
  ctx.spec.defaultRevision = revision;
  delete ctx.spec.version;
  ctx.notes.changed(
    src.at("revision"),
    `revision ${revision} written as spec.revisions; as the only revision it holds the default tag (istio-injection=enabled uses it)`,
  );
}

/** The spec in the manifest's field order, without empty sections. */
function assembleSpec(ctx: Context): JsonObject {
  const s = ctx.spec;
  const out: JsonObject = {};
  const put = (key: string, v: Json | undefined) => {
    if (v === undefined) return;
    if (isObject(v) && Object.keys(v).length === 0) return;
    out[key] = v;
  };
  put("version", s.version);
  put("profile", s.profile);
  put("namespace", s.namespace);
  put("controlPlane", s.controlPlane);
  put("ingressGateways", s.ingressGateways);
  put("egressGateways", s.egressGateways);
  put("cni", s.cni);
  put("mtls", s.mtls);
  put("meshConfig", s.meshConfig);
  put("proxy", s.proxy);
  put("multiCluster", s.multiCluster);
  put("images", s.images);
  put("revisions", s.revisions);
  put("defaultRevision", s.defaultRevision);
  const installed: Record<Chart, boolean> = {
    base: true,
    istiod: true,
    cni: s.profile === "ambient" || s.cni?.enabled === true,
    ztunnel: s.profile === "ambient",
    gateway: (s.ingressGateways?.length ?? 0) + (s.egressGateways?.length ?? 0) > 0,
  };
  const helm: JsonObject = {};
  for (const chart of ["base", "istiod", "cni", "ztunnel", "gateway"] as Chart[]) {
    const values = ctx.helm[chart];
    if (Object.keys(values).length === 0) continue;
    if (installed[chart]) {
      helm[chart] = values;
      continue;
    }
    // settings every chart gets are simply not needed; others are reported
    const own = Object.keys(values).filter(
      (k) =>
        k !== "compatibilityVersion" &&
        !(
          k === "global" &&
          isObject(values.global) &&
          Object.keys(values.global).every((g) => g === "platform")
        ),
    );
    if (own.length > 0)
      ctx.notes.dropped(
        `${ctx.prefix ? `${ctx.prefix}.` : ""}${chart === "ztunnel" ? "components.ztunnel" : chart === "cni" ? "values.cni" : "values.gateways"}`,
        `${chart} settings (${own.join(", ")}): the converted manifest installs no ${chart}`,
      );
  }
  put("helmValues", helm);
  return out;
}
