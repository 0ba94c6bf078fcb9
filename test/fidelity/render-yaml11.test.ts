import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseAllDocuments, stringify } from "yaml";
import type { InstallPlan } from "../../src/istio/types.js";
import { runCli } from "../helpers/cli.js";
import { find, helmTemplate, type K8sObject, useChartRepository } from "./helm.js";

const charts = useChartRepository();

/** Annotation values a YAML 1.1 reader would take for booleans, numbers, nulls when plain. */
const lookAlikes = [
  "yes",
  "off",
  "On",
  "y",
  "n",
  "1_000",
  "0x1F",
  "1e3",
  ".inf",
  "~",
  "null",
  "0755",
  "1:20",
];

describe("`planton render --output-dir` values files mean the same strings to Helm", () => {
  it("strings that look like YAML 1.1 booleans and numbers reach the rendered istiod as strings", async () => {
    const dir = mkdtempSync(join(tmpdir(), "planton-yaml11-"));
    const annotations = Object.fromEntries(lookAlikes.map((s, i) => [`example.com/a${i}`, s]));
    const manifest = {
      apiVersion: "kubernetes.project-planton.org/v1",
      kind: "KubernetesIstio",
      metadata: { name: "yaml11" },
      spec: {
        profile: "minimal",
        charts: { repository: charts.repo },
        helmValues: { istiod: { pilot: { podAnnotations: annotations } } },
      },
    };
    const file = join(dir, "mesh.yaml");
    writeFileSync(file, stringify(manifest));
    const out = join(dir, "out");
    const r = await runCli(["render", "-f", file, "-o", "json", "--output-dir", out]);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as InstallPlan;
    const istiod = plan.releases.find((x) => x.name === "istiod");
    assert.ok(istiod);
    const rendered = await helmTemplate(charts.helm, istiod, join(out, "istiod.values.yaml"), charts.repo);
    assert.ok(rendered.ok, rendered.ok ? "" : rendered.error);
    const objects = parseAllDocuments(rendered.ok ? rendered.text : "")
      .map((d) => d.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null);
    const deployment = find(objects, "Deployment", "istiod");
    const got = deployment.spec.template.metadata.annotations;
    for (const [k, v] of Object.entries(annotations)) assert.equal(got[k], v, `${k}: ${v}`);
  });
});
