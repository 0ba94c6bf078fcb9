import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { Ajv, type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { itChecksEveryExport } from "../helpers/gitops-exports.js";
import { root } from "../helpers/paths.js";

/**
 * The GitOps export against the real CRDs' OpenAPI schemas: Argo CD's Application CRD from
 * its Go module, Flux's CRDs generated from its API modules (scripts/gitops-crds.sh, cached).
 * Unknown fields are refused, as the API server does with strict field validation.
 */
const goMissing =
  spawnSync("go", ["version"]).status === 0 ? false : "go is not on PATH: the CRDs come from Go modules";

type Schema = Record<string, unknown>;
/** additionalProperties: false wherever the schema lists properties and keeps no unknown fields. */
function strict(s: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "properties" && v !== null && typeof v === "object")
      out[k] = Object.fromEntries(Object.entries(v as Schema).map(([p, sub]) => [p, strict(sub as Schema)]));
    else if (Array.isArray(v))
      out[k] = v.map((x) => (x !== null && typeof x === "object" ? strict(x as Schema) : x));
    else if (v !== null && typeof v === "object") out[k] = strict(v as Schema);
    else out[k] = v;
  }
  if (
    s.properties !== undefined &&
    s.additionalProperties === undefined &&
    s["x-kubernetes-preserve-unknown-fields"] !== true
  )
    out.additionalProperties = false;
  return out;
}

const validators = new Map<string, ValidateFunction>();
function loadCrds(dir: string): void {
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  const files = ["argocd", "flux"].flatMap((d) => readdirSync(join(dir, d)).map((f) => join(dir, d, f)));
  for (const file of files) {
    const crd = parseAllDocuments(readFileSync(file, "utf8"))[0]?.toJS() as {
      spec: {
        group: string;
        names: { kind: string };
        versions: { name: string; served: boolean; schema: { openAPIV3Schema: Schema } }[];
      };
    };
    for (const v of crd.spec.versions.filter((x) => x.served)) {
      const schema = strict(v.schema.openAPIV3Schema);
      // metadata is checked by the API server itself; allow any of its fields here
      (schema.properties as Schema).metadata = { type: "object" };
      validators.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, ajv.compile(schema));
    }
  }
}

function check(text: string, seen: Set<string>): string[] {
  const problems: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    const o = doc.toJS() as { apiVersion: string; kind: string; metadata?: { name?: string } } | null;
    if (o === null) continue;
    const validate = validators.get(`${o.apiVersion}/${o.kind}`);
    if (validate === undefined) continue;
    seen.add(o.kind);
    const ok = validate(o) as boolean;
    if (!ok) problems.push(`${o.kind} ${o.metadata?.name}: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
  }
  return problems;
}

describe("the GitOps export is valid against Argo CD's and Flux's CRDs", { skip: goMissing }, () => {
  before(() => {
    const r = spawnSync("bash", [join(root, "scripts/gitops-crds.sh")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    loadCrds(r.stdout.trim());
  });

  it("the check refuses an unknown field (it is strict enough to mean something)", () => {
    const bad =
      "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: x}\nspec:\n  interval: 1m\n  chart: {spec: {chart: c, sourceRef: {kind: HelmRepository, name: r}}}\n  driftDetection: {mode: enabled, ignores: []}\n";
    assert.equal(check(bad, new Set()).length, 1);
  });

  itChecksEveryExport((texts, seen) => texts.flatMap((t) => check(t, seen)), {
    oci: "oci:// charts: Flux's OCIRepository and HelmRelease chartRef, Argo CD's Helm OCI source",
    kinds: "every kind the export writes was checked",
  });
});
