import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { planIstio } from "../../../src/istio/plan.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { remoteNamespaceUrns } from "../../../src/pulumi/workspace.js";
import { root } from "../../helpers/paths.js";

const plan = (file: string, overrides: string[] = []) => {
  const r = loadManifest({ file: join(root, "examples", "multicluster", "primary-remote", file), overrides });
  if (r.kind !== "ok") throw new Error(JSON.stringify(r.diagnostics));
  return planIstio(r.manifest);
};

describe("what a remote stack creates before its primary changes anything", () => {
  it("its annotated control-plane namespace (or the patch of an existing one) and its provider; nothing for a primary", () => {
    const urn = (type: string, name: string) =>
      `urn:pulumi:remote::planton-kubernetes-istio::${type}::${name}`;
    const provider = urn("pulumi:providers:kubernetes", "cluster");
    assert.deepEqual(remoteNamespaceUrns(plan("remote.yaml"), "remote"), [
      provider,
      urn("kubernetes:core/v1:Namespace", "istio-system"),
    ]);
    assert.deepEqual(remoteNamespaceUrns(plan("remote.yaml", ["spec.createNamespace=false"]), "remote"), [
      provider,
      urn("kubernetes:core/v1:NamespacePatch", "namespace-patch-istio-system"),
    ]);
    assert.deepEqual(remoteNamespaceUrns(plan("primary.yaml"), "primary"), []);
  });
});
