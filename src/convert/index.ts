import { assembleSpec } from "./assemble.js";
import { Context } from "./context.js";
import { convertControlPlane } from "./control-plane.js";
import { convertDataplane } from "./dataplane.js";
import { convertGateways } from "./gateways.js";
import { stringMap } from "./k8s.js";
import { convertMeshConfig, dropOverriddenMesh } from "./mesh.js";
import { isObject, type Json, type JsonObject, type Note, show, Source } from "./source.js";
import { convertRemote, finishRemote } from "./remote.js";
import { convertRemoved, convertTop, finishRevision } from "./top-level.js";
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
  ctx.input = read.spec;
  const src = ctx.track(new Source(read.spec, read.prefix));
  convertTop(ctx, src);
  const remote = convertRemote(ctx, src);
  dropOverriddenMesh(ctx, src);
  convertMeshConfig(ctx, src, "meshConfig");
  convertControlPlane(ctx, src);
  convertGateways(ctx, src);
  convertDataplane(ctx, src);
  convertValues(ctx, src);
  convertRemoved(ctx, src);
  finishRevision(ctx, src);
  finishRemote(ctx, remote);

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
  if (/values\.gateways\.(?!istio-(ingress|egress)gateway\b)[^.]+/.test(path))
    return "istioctl renders gateways from values.gateways.istio-ingressgateway and istio-egressgateway only";
  const m = /values\.(pilot|global|sidecarInjectorWebhook|cni|ztunnel|base)\b/.exec(path);
  if (m !== null) {
    const chart = m[1] === "cni" || m[1] === "ztunnel" || m[1] === "base" ? m[1] : "istiod";
    return `the ${chart} chart (Istio 1.30) has no such key`;
  }
  return "no planton or chart equivalent";
}
