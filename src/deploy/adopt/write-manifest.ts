import { stringify } from "yaml";
import { renderConvertedYaml } from "../../convert/render.js";
import { type Json, type JsonObject, type Note, Notes, show } from "../../convert/source.js";
import { DeployError } from "../../errors.js";
import { planIstio } from "../../istio/plan.js";
import type { InstallPlan, PlannedRelease } from "../../istio/types.js";
import { loadManifest } from "../../manifest/load.js";
import { extractSpec, handsOver } from "./extract.js";
import { addedByPlanton, common, overlay } from "./fit.js";
import type { LiveMesh, LiveRelease } from "./live.js";

/**
 * `adopt --write-manifest`: the KubernetesIstio manifest that reproduces a live Helm mesh. The
 * manifest's fields come from the releases (extract.ts); then the manifest is planned and, per
 * release, what the live values set and the plan does not is written under `helmValues`, so
 * planning the written manifest sends every chart the values its release has now. What the
 * manifest cannot carry, and what planton would add, is in the notes. Pure.
 */

export interface WrittenManifest {
  manifest: JsonObject;
  notes: Note[];
}

/** Plans a manifest given as JSON, exactly as `planton render` would plan its file. */
export function planManifestJson(manifest: JsonObject, cwd = "/"): InstallPlan {
  const text = stringify(manifest, { lineWidth: 0 });
  const loaded = loadManifest({ file: "-", readStdin: () => Buffer.from(text), cwd });
  if (loaded.kind === "invalid")
    throw new DeployError(
      `the manifest read from the live mesh does not validate: ${loaded.diagnostics.map((d) => `${d.path}: ${d.message}`).join("; ")}`,
      "a live setting is outside what planton accepts; nothing was written or changed",
    );
  return planIstio(loaded.manifest);
}

const planned = (plan: InstallPlan, r: LiveRelease): PlannedRelease | undefined =>
  plan.releases.find((p) => p.name === r.name && p.namespace === r.namespace);

/** Per-release overlays placed under `spec.helmValues` (a gateway's under its own `helmValues`). */
function placeOverlays(mesh: LiveMesh, spec: JsonObject, plan: InstallPlan, notes: Notes): void {
  const helm: JsonObject = {};
  const istiods: JsonObject[] = [];
  for (const r of mesh.releases) {
    const p = planned(plan, r);
    if (p === undefined || r.component === undefined) {
      const names = plan.releases.filter((x) => x.component === r.component).map((x) => x.name);
      notes.dropped(
        `releases.${r.namespace}/${r.name}`,
        `planton names the ${r.chart} release ${names.join(" or ") || "differently"}; a Helm release cannot be renamed in place, so this one is not adopted`,
      );
      continue;
    }
    const o = overlay(p.values, r.values) as JsonObject;
    if (r.component === "istiod") istiods.push(o);
    else if (r.component === "gateway") {
      const list = [
        ...((spec.ingressGateways as JsonObject[]) ?? []),
        ...((spec.egressGateways as JsonObject[]) ?? []),
      ];
      const g = list.find((x) => x.name === r.name && x.namespace === r.namespace);
      if (g !== undefined && Object.keys(o).length > 0) g.helmValues = o;
    } else if (Object.keys(o).length > 0) helm[r.component] = o;
  }
  const first = istiods[0];
  if (first !== undefined) {
    const shared = istiods.slice(1).reduce<JsonObject>((acc, o) => common(acc, o) as JsonObject, first);
    const tags = releaseTags(mesh, istiods);
    if (tags !== undefined) shared.revisionTags = tags;
    if (Object.keys(shared).length > 0) helm.istiod = shared;
  }
  if (Object.keys(helm).length > 0) spec.helmValues = helm;
}

/**
 * The tags the istiod releases render themselves, every release's together, when one of them
 * differs from planton's: planning gives each release back its own, since `spec.revisionTags`
 * says which revision each tag points at (and `default` is the default revision's). The
 * overlays lose their `revisionTags`, which are one release's alone.
 */
function releaseTags(mesh: LiveMesh, overlays: JsonObject[]): Json[] | undefined {
  const differs = overlays.some((o) => o.revisionTags !== undefined);
  for (const o of overlays) delete o.revisionTags;
  if (!differs) return undefined;
  const lists = mesh.releases
    .filter((r) => r.component === "istiod")
    .map((r) => r.values.revisionTags)
    .filter((v): v is Json[] => Array.isArray(v));
  return [...new Set(lists.flat())];
}

/** Notes for every release whose planned values still differ from its live values. */
function noteDifferences(mesh: LiveMesh, plan: InstallPlan, notes: Notes): void {
  for (const r of mesh.releases) {
    const p = planned(plan, r);
    if (p === undefined || r.component === undefined) continue;
    const at = `releases.${r.namespace}/${r.name}.values`;
    const why =
      r.component === "istiod"
        ? "is this revision's alone (helmValues.istiod is shared by every revision)"
        : "has no place in the manifest";
    for (const [path, value] of Object.entries(flatten(overlay(p.values, r.values))))
      notes.dropped(
        `${at}.${path}`,
        `${show(value as Json)} ${why}; planton would send ${show((leaf(p.values, path) ?? null) as Json)}`,
      );
    for (const [path, value] of addedByPlanton(r.component, r.version, p.values, r.values))
      notes.changed(
        `${at}.${path}`,
        `planton sets ${show(value as Json)}, which the release does not set: the first apply after adoption changes it`,
      );
  }
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function flatten(v: Record<string, unknown>, path = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const p = path === "" ? k : `${path}.${k}`;
    if (isMap(x) && Object.keys(x).length > 0) Object.assign(out, flatten(x, p));
    else out[p] = x;
  }
  return out;
}

const leaf = (v: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((cur, k) => (isMap(cur) ? cur[k] : undefined), v);

/** The manifest that reproduces `mesh` (a Helm-installed mesh, refusals checked). */
export function writeManifest(mesh: LiveMesh, name: string): WrittenManifest {
  const notes = new Notes();
  const spec = extractSpec(mesh, notes);
  const doc = (s: JsonObject): JsonObject => ({
    apiVersion: "kubernetes.project-planton.org/v1",
    kind: "KubernetesIstio",
    metadata: { name },
    spec: s,
  });
  placeOverlays(mesh, spec, planManifestJson(doc(spec)), notes);
  const manifest = doc(spec);
  noteDifferences(mesh, planManifestJson(manifest), notes);
  for (const c of mesh.istioctl)
    notes.dropped(
      `istioctl.${c.component}${c.revision && c.revision !== "default" ? `.${c.revision}` : ""}`,
      "installed by istioctl, which records no install values in the cluster: the manifest carries its version, revision, namespace, gateways and mesh config; compare `planton render` of it with the live objects for anything else",
    );
  for (const d of keptGateways(mesh))
    notes.dropped(
      `istioctl.gateways.${d.metadata?.namespace ?? ""}/${d.metadata?.name ?? ""}`,
      "left as istioctl installed it: its gateways chart renders another pod template than planton's gateway chart (service account and labels), so handing it over would replace its pods; to move it to planton, add a gateway under another name, move its traffic, then remove this one",
    );
  return { manifest, notes: notes.list };
}

/** istioctl's gateway Deployments the written manifest leaves out (see extract.ts `handsOver`). */
const keptGateways = (mesh: LiveMesh) =>
  mesh.istioctl
    .filter((c) => c.chart === "gateway")
    .flatMap((c) => c.objects.filter((o) => o.kind === "Deployment" && !handsOver(o)));

/** The written manifest as YAML, with convert's header saying what did not carry over. */
export function renderWrittenManifest(written: WrittenManifest, from: string): string {
  const yaml = renderConvertedYaml(written.manifest, written.notes, from);
  // convert's header speaks of `planton convert` and an IstioOperator; this came from a cluster
  return yaml
    .replace(
      /^# Converted by `planton convert` from (.*)$/m,
      "# Written by `planton adopt --write-manifest` from $1",
    )
    .replace(
      /^# Everything in the IstioOperator was converted\.$/m,
      "# Everything in the live mesh was carried over.",
    );
}
