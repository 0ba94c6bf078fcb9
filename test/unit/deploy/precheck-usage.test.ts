/** precheck: revisions in use, webhooks, Helm records, field managers, rights — on recorded objects. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluatePrecheck, precheckExitCode } from "../../../src/deploy/precheck.js";
import {
  fieldManagerConflict,
  helmReleasePending,
  repairedByApply,
} from "../../../src/deploy/precheck/ownership.js";
import { accessNeeded, rbacMissing } from "../../../src/deploy/precheck/rbac.js";
import { revisionInUse } from "../../../src/deploy/precheck/revisions.js";
import { defaultTagOwner, webhookOverlap } from "../../../src/deploy/precheck/webhooks.js";
import { planOf, revisionsSpec, snapshotOf } from "./precheck-fixtures.js";
import type { InstallPlan } from "../../../src/istio/types.js";

const cluster = {
  pods: "pods.json",
  istiods: "istiods.json",
  webhooks: ["mutating-webhooks.json"],
  namespaces: "namespaces.json",
};
/** Step 4 of a canary upgrade: 1-28-3 removed, shop moved to 1-30-3. */
const removeOld = planOf(
  revisionsSpec({ "1-30-3": "1.30.3" }, "  namespaces:\n    - {name: shop, revision: 1-30-3}\n"),
);

/** The cluster without pods: only tags and namespaces can use a revision. */
function withoutPods() {
  const s = snapshotOf(cluster);
  s.pods = [];
  return s;
}

describe("precheck: REVISION_IN_USE", () => {
  it("a removed revision with a Running pod, a gateway and a tag: error naming them; the finished Job pod named, not counted", () => {
    const [f, ...rest] = revisionInUse.run(removeOld, snapshotOf(cluster), {});
    assert.equal(rest.length, 0);
    assert.equal(f?.object?.name, "istiod-1-28-3");
    assert.equal(
      f?.message,
      "the manifest removes revision 1-28-3 (istiod istio-system/istiod-1-28-3), still used by 1 running pod, 1 gateway pod, 1 waypoint pod, tag prod-stable",
    );
    assert.deepEqual(f?.details, [
      "running sidecar shop/cart-7d9c6b5f4-x2k8p",
      "running gateway istio-ingress/istio-ingressgateway-6c9f7d8b5-mz7rt",
      "running waypoint shop/waypoint-5c8b9d7f6-k2j4h",
      "succeeded pod shop/nightly-report-29114400-8xk2d (finished: not counted)",
    ]);
  });
  it("--restart-workloads moves the sidecars of namespaces the manifest relabels; the gateway and waypoint still count", () => {
    const [f] = revisionInUse.run(removeOld, snapshotOf(cluster), { restartWorkloads: true });
    assert.match(f?.message ?? "", /still used by 1 gateway pod, 1 waypoint pod, tag prod-stable$/);
  });
  it("--restart-workloads never restarts a bare pod, nor another controller's ReplicaSet: they still count", () => {
    const bare = snapshotOf(cluster, (pod) => {
      if (pod.metadata?.name?.startsWith("cart-")) delete pod.metadata.ownerReferences;
    });
    const rollout = snapshotOf(cluster, (pod) => {
      // an Argo Rollout's ReplicaSet labels its pods rollouts-pod-template-hash, not pod-template-hash
      if (pod.metadata?.name?.startsWith("cart-")) delete pod.metadata.labels?.["pod-template-hash"];
    });
    for (const s of [bare, rollout]) {
      const [f] = revisionInUse.run(removeOld, s, { restartWorkloads: true });
      assert.match(f?.message ?? "", /still used by 1 running pod, 1 gateway pod/);
    }
  });
  it("only a Completed pod left on the removed revision: nothing blocks its removal", () => {
    const s = snapshotOf({ ...cluster, webhooks: [] });
    s.pods = (s.pods ?? []).filter((p) => p.phase === "Succeeded");
    assert.deepEqual(revisionInUse.run(removeOld, s, {}), []);
  });
  it("the manifest moving the tag in the same apply: the tag is no user", () => {
    const moved = planOf(
      revisionsSpec(
        { "1-30-3": "1.30.3" },
        "  revisionTags:\n    - {name: prod-stable, revision: 1-30-3}\n  namespaces:\n    - {name: shop, revision: 1-30-3}\n",
      ),
    );
    assert.deepEqual(revisionInUse.run(moved, withoutPods(), {}), []);
  });
});

describe("precheck: webhooks", () => {
  it("a foreign injector selecting istio-injection=enabled overlaps (payments); Vault's pod webhook and Istio's own do not", () => {
    const found = webhookOverlap.run(removeOld, snapshotOf(cluster), {});
    assert.deepEqual(
      found.map((f) => [f.code, f.object?.name]),
      [["WEBHOOK_OVERLAP", "acme-mesh-injector"]],
    );
    assert.match(found[0]?.message ?? "", /: payments$/);
    assert.deepEqual(found[0]?.details, ["inject.acme.example.com → service acme-system/acme-injector"]);
  });
  it("another control plane's default tag: DEFAULT_TAG_OWNER once, not also an overlap", () => {
    const s = snapshotOf({ ...cluster, webhooks: ["other-default-tag.json"] });
    const owner = defaultTagOwner.run(removeOld, s, {});
    assert.equal(owner.length, 1);
    assert.match(
      owner[0]?.message ?? "",
      /points at istiod istio-other\/istiod-blue of another control plane \(revision blue\)/,
    );
    assert.deepEqual(webhookOverlap.run(removeOld, s, {}), []);
  });
  it("our own default tag is no finding", () => {
    assert.deepEqual(defaultTagOwner.run(removeOld, snapshotOf(cluster), {}), []);
  });
});

describe("precheck: Helm records and field managers", () => {
  it("the newest record pending: one finding per release, the stack's own told apply repairs it", () => {
    const found = helmReleasePending.run(removeOld, snapshotOf({ helm: "helm-secrets.json" }), {});
    assert.deepEqual(
      found.map((f) => f.object?.name),
      ["sh.helm.release.v1.istiod-1-30-3.v2", "sh.helm.release.v1.legacy-gw.v1"],
    );
    assert.match(found[0]?.hint ?? "", /planton apply repairs/);
    assert.match(found[1]?.message ?? "", /is pending-install/);
  });
  it("a pending record of a release the stack's state records as interrupted is a warning (apply repairs it); others stay errors", () => {
    const found = helmReleasePending.run(removeOld, snapshotOf({ helm: "helm-secrets.json" }), {});
    const gated = repairedByApply(found, [
      { name: "istiod-1-30-3", namespace: found[0]?.object?.namespace ?? "" },
      // same prefix, other release: not a match
      { name: "legacy", namespace: found[1]?.object?.namespace ?? "" },
    ]);
    assert.deepEqual(
      gated.map((f) => [f.object?.name, f.severity]),
      [
        ["sh.helm.release.v1.istiod-1-30-3.v2", "WARNING"],
        ["sh.helm.release.v1.legacy-gw.v1", "ERROR"],
      ],
    );
    assert.match(gated[0]?.message ?? "", /apply removes the pending record/);
    assert.equal(precheckExitCode({ findings: gated.slice(0, 1), unchecked: [] }), 0);
  });
  it("kubectl-edit owns a field of the planned istiod: a conflict; kubectl-rollout's restartedAt and status are not", () => {
    const found = fieldManagerConflict.run(removeOld, snapshotOf(cluster), {});
    assert.deepEqual(
      found.map((f) => [f.object?.name, f.details]),
      [["istiod-1-30-3", ['spec.template.spec.containers.{"name":"discovery"}.resources.limits.memory']]],
    );
    assert.match(found[0]?.message ?? "", /field manager kubectl-edit \(Update\) owns 1 field/);
  });
  it("the fields planton's own Helm releases wrote (manager pulumi-resource-kubernetes, Update) are no conflict", () => {
    const s = snapshotOf(cluster);
    for (const o of s.managedObjects ?? [])
      for (const m of o.owners) if (m.manager === "kubectl-edit") m.manager = "pulumi-resource-kubernetes";
    assert.deepEqual(fieldManagerConflict.run(removeOld, s, {}), []);
  });
  it("Helm's ownership metadata adopt wrote (manager planton, Update) is no conflict", () => {
    const s = snapshotOf(cluster);
    for (const o of s.managedObjects ?? [])
      for (const m of o.owners)
        if (m.manager === "kubectl-edit") {
          m.manager = "planton";
          m.fields = ["metadata.annotations.meta.helm.sh/release-name"];
        }
    assert.deepEqual(fieldManagerConflict.run(removeOld, s, {}), []);
  });
});

describe("precheck: RBAC_MISSING", () => {
  it("DaemonSets are asked for only where CNI or ztunnel go", () => {
    const ambient = accessNeeded(planOf("  profile: ambient\n"));
    assert.ok(ambient.some((q) => q.resource === "daemonsets" && q.namespace === "istio-system"));
    assert.equal(
      accessNeeded(removeOld).some((q) => q.resource === "daemonsets"),
      false,
    );
    assert.ok(
      accessNeeded(removeOld).some((q) => q.resource === "deployments" && q.namespace === "istio-ingress"),
    );
  });
  it("Gateways are asked for only where a waypoint goes", () => {
    const gateways = (plan: InstallPlan) =>
      accessNeeded(plan)
        .filter((q) => q.resource === "gateways" && q.verb === "create")
        .map((q) => `${q.group} ${q.namespace}`);
    const waypoint = planOf(
      "  profile: ambient\n  namespaces:\n    - {name: shop, injection: AMBIENT, waypoint: {}}\n    - {name: web, injection: AMBIENT, waypoint: {namespace: shop}}\n",
    );
    assert.deepEqual(gateways(waypoint), ["gateway.networking.k8s.io shop"]);
    assert.deepEqual(gateways(planOf("  profile: ambient\n")), []);
  });
  it("an ambient node-by-node upgrade's rights are asked: cordon nodes, evict pods, replace agent pods", () => {
    const rights = (p: ReturnType<typeof planOf>) =>
      rbacMissing
        .run(p, { failures: [], access: accessNeeded(p).map((q) => ({ ...q, allowed: false })) }, {})
        .flatMap((f) => f.details);
    const ambient = rights(planOf("  profile: ambient\n"));
    for (const r of [
      "patch nodes",
      "create pods/eviction",
      "list poddisruptionbudgets.policy",
      "delete pods",
    ])
      assert.ok(ambient.includes(r), r);
    assert.equal(
      rights(planOf("  profile: ambient\n  ambient: {upgrade: ROLLING}\n")).includes("patch nodes"),
      false,
    );
  });
  it("denied rights: one finding per scope, listing them", () => {
    const access = accessNeeded(removeOld).map((q) => ({
      ...q,
      allowed: !(q.resource === "mutatingwebhookconfigurations" && q.verb !== "get" && q.verb !== "list"),
    }));
    const [f, ...rest] = rbacMissing.run(removeOld, { failures: [], access }, {});
    assert.equal(rest.length, 0);
    assert.match(f?.message ?? "", /may not do 3 things the install needs cluster-wide/);
    assert.deepEqual(f?.details, [
      "create mutatingwebhookconfigurations.admissionregistration.k8s.io",
      "patch mutatingwebhookconfigurations.admissionregistration.k8s.io",
      "delete mutatingwebhookconfigurations.admissionregistration.k8s.io",
    ]);
  });
});

describe("precheck: the report", () => {
  it("a read that failed makes its checks unchecked (exit 1); the rest still run", () => {
    const s = snapshotOf({ ...cluster, helm: "helm-secrets.json", crds: [] });
    s.access = [];
    delete s.pods;
    s.failures.push({ read: "pods", reason: "listing Pods: HTTP 403: pods is forbidden" });
    const r = evaluatePrecheck(removeOld, s, {
      waived: ["HELM_RELEASE_PENDING", "WEBHOOK_OVERLAP", "FIELD_MANAGER_CONFLICT"],
    });
    assert.deepEqual(
      r.unchecked.map((u) => u.code),
      ["PROXY_VERSION_SKEW", "PROXY_INPLACE_BREAK", "REVISION_IN_USE"],
    );
    assert.match(r.unchecked[0]?.reason ?? "", /pods is forbidden/);
    assert.ok(r.findings.length > 0 && r.findings.every((f) => f.waived));
    assert.equal(precheckExitCode(r), 1);
  });
  it("exit 4 for an error that is not waived, 0 for warnings only", () => {
    const s = snapshotOf({ helm: "helm-secrets.json", crds: ["istio-crds-1.30.3.json"] });
    s.access = [];
    s.pods = [];
    s.istiods = [];
    s.namespaces = [];
    s.managedObjects = [];
    const plan = planOf("  version: 1.30.1\n");
    assert.equal(precheckExitCode(evaluatePrecheck(plan, s)), 4);
    const waived = evaluatePrecheck(plan, s, { waived: ["HELM_RELEASE_PENDING"] });
    assert.deepEqual(
      waived.findings.map((f) => [f.code, f.severity, f.waived ?? false]),
      [
        ["HELM_RELEASE_PENDING", "ERROR", true],
        ["HELM_RELEASE_PENDING", "ERROR", true],
        ["ISTIO_CRD_DOWNGRADE", "WARNING", false],
      ],
    );
    assert.equal(precheckExitCode(waived), 0);
  });
});
