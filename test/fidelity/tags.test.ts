/**
 * Revision tags are the istiod chart's own objects: for each tag of the canary examples, the
 * plan's tag values rendered by the real Helm against the real istiod chart, reduced by the
 * program's own filter (keepTagObjects), give exactly the tag's webhook and Service, equal to
 * what the chart renders for `revisionTags` in the target revision's release (but for the two
 * changes planton makes: no caBundle, managed-by planton), calling the target revision's istiod.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PlannedRelease } from "../../src/istio/types.js";
import { isTagObject, keepTagObjects, type RenderedObject } from "../../src/pulumi/membership.js";
import { root, yamlFiles } from "../helpers/paths.js";
import { type K8sObject, renderRelease, useChartRepository } from "./helm.js";
import { renderManifest } from "./render-plan.js";

const charts = useChartRepository();

/** What the program registers of a render: the transformation applied, Lists dropped. */
function kept(objects: K8sObject[], tag: string): RenderedObject[] {
  const copy = JSON.parse(JSON.stringify(objects)) as RenderedObject[];
  for (const o of copy) keepTagObjects(tag)(o);
  return copy.filter((o) => o.kind !== "List");
}

describe("revision tags are rendered from the istiod chart's own templates", () => {
  for (const [name, file] of yamlFiles("examples/canary")) {
    it(name, async () => {
      const r = await renderManifest(charts.helm, charts.repo, file);
      assert.ok(r.plan.tags.length > 0);
      for (const t of r.plan.tags) {
        const asRelease = {
          ...r.plan.releases.find((x) => x.name === t.release),
          values: t.values,
        } as PlannedRelease;
        const rendered = await renderRelease(charts.helm, asRelease, charts.repo);
        const objects = kept(rendered.objects, t.name);
        assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort(), [
          `MutatingWebhookConfiguration/istio-revision-tag-${t.name}`,
          `Service/istiod-revision-tag-${t.name}`,
        ]);
        const webhook = objects.find((o) => o.kind === "MutatingWebhookConfiguration") as RenderedObject & {
          webhooks: { clientConfig: { service: { name: string; namespace: string }; caBundle?: string } }[];
        };
        assert.ok(webhook.webhooks.length > 0);
        for (const h of webhook.webhooks) {
          assert.deepEqual(
            [h.clientConfig.service.name, h.clientConfig.service.namespace],
            [`istiod-${t.revision}`, t.namespace],
            `${t.name} calls the istiod of ${t.revision}`,
          );
          assert.equal(h.clientConfig.caBundle, undefined);
        }
        assert.equal(webhook.metadata?.labels?.["istio.io/rev"], t.revision);
        assert.equal(webhook.metadata?.labels?.["istio.io/tag"], t.name);
        const svc = objects.find((o) => o.kind === "Service") as RenderedObject & {
          spec: { selector: Record<string, string> };
        };
        assert.equal(svc.spec.selector["istio.io/rev"], t.revision);
        // the same objects the chart renders in the target revision's own release for revisionTags
        const release = r.plan.releases.find((x) => x.name === t.release) as PlannedRelease;
        const inRelease = (
          await renderRelease(charts.helm, release, charts.repo, {
            ...release.values,
            revisionTags: [t.name],
          })
        ).objects.filter((o) => isTagObject(o as RenderedObject, t.name));
        assert.deepEqual(kept(inRelease, t.name), objects);
      }
    });
  }
  it("the release of the default revision renders only the default tag: named tags are not Helm's", async () => {
    const r = await renderManifest(charts.helm, charts.repo, `${root}/examples/canary/3-move-stable.yaml`);
    const tagHooks = r.all.filter(
      (o) => o.kind === "MutatingWebhookConfiguration" && o.metadata.name.startsWith("istio-revision-tag-"),
    );
    assert.deepEqual(
      tagHooks.map((o) => o.metadata.name),
      ["istio-revision-tag-default"],
    );
  });
});
