/** The rights review: rules reviews answer what they grant, a review per question the rest. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1ResourceRule } from "@kubernetes/client-node";
import { type AccessQuestion, grants, reviewAccess } from "../../../src/cluster/access-review.js";
import { clusterAt, startFakeKubeApi } from "../../helpers/fake-kube.js";

describe("grants: a rule matched as RBAC matches it", () => {
  const q: AccessQuestion = { verb: "create", group: "apps", resource: "deployments", namespace: "a" };
  const cases: [string, V1ResourceRule, AccessQuestion, boolean][] = [
    ["everything", { verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, q, true],
    ["the very right", { verbs: ["create"], apiGroups: ["apps"], resources: ["deployments"] }, q, true],
    ["another verb", { verbs: ["get"], apiGroups: ["apps"], resources: ["deployments"] }, q, false],
    ["another group", { verbs: ["*"], apiGroups: [""], resources: ["deployments"] }, q, false],
    ["another resource", { verbs: ["*"], apiGroups: ["*"], resources: ["services"] }, q, false],
    [
      "named objects only",
      { verbs: ["*"], apiGroups: ["*"], resources: ["*"], resourceNames: ["istiod"] },
      q,
      false,
    ],
    [
      "a subresource by name",
      { verbs: ["create"], apiGroups: [""], resources: ["pods/eviction"] },
      { verb: "create", group: "", resource: "pods", subresource: "eviction", namespace: "a" },
      true,
    ],
    [
      "a subresource of every resource",
      { verbs: ["create"], apiGroups: [""], resources: ["*/eviction"] },
      { verb: "create", group: "", resource: "pods", subresource: "eviction", namespace: "a" },
      true,
    ],
    [
      "the resource, not its subresource",
      { verbs: ["create"], apiGroups: [""], resources: ["pods"] },
      { verb: "create", group: "", resource: "pods", subresource: "eviction", namespace: "a" },
      false,
    ],
  ];
  for (const [name, rule, question, expected] of cases)
    it(name, () => assert.equal(grants(rule, question), expected));
});

describe("reviewAccess", () => {
  const questions: AccessQuestion[] = [
    { verb: "create", group: "apiextensions.k8s.io", resource: "customresourcedefinitions" },
    { verb: "create", group: "apps", resource: "deployments", namespace: "granted" },
    { verb: "delete", group: "", resource: "secrets", namespace: "granted" },
    { verb: "create", group: "apps", resource: "deployments", namespace: "other" },
  ];
  const ssars = (requests: string[]) => requests.filter((r) => r.includes("selfsubjectaccessreviews")).length;

  it("asks one review per question a namespace's rules do not grant, cluster-scoped ones always", async () => {
    const api = await startFakeKubeApi({
      rules: (ns) => (ns === "granted" ? [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }] : []),
      deny: (a) => a.namespace === "other",
    });
    try {
      const answers = await reviewAccess(clusterAt(api.url), questions);
      assert.deepEqual(
        answers.map((a) => a.allowed),
        [true, true, true, false],
      );
      assert.deepEqual(
        answers.map(({ allowed: _, ...q }) => q),
        questions,
      );
      assert.equal(ssars(api.requests), 2, "the cluster-scoped question and the one in `other`");
    } finally {
      await api.close();
    }
  });
  it("without rules reviews (refused or not served), every question gets its own review", async () => {
    const api = await startFakeKubeApi({ deny: (a) => a.resource === "secrets" });
    try {
      const answers = await reviewAccess(clusterAt(api.url), questions);
      assert.deepEqual(
        answers.map((a) => a.allowed),
        [true, true, false, true],
      );
      assert.equal(ssars(api.requests), 4);
    } finally {
      await api.close();
    }
  });
});
