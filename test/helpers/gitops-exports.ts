import assert from "node:assert/strict";
import { it } from "node:test";
import { gitopsCases, renderGitopsTree } from "./gitops.js";

/** Finds the problems in the files of one export; adds each kind it checked to `seen`. */
export type ExportCheck = (texts: string[], seen: Set<string>) => string[] | Promise<string[]>;

/**
 * Registers, in the current `describe`, one test per GitOps export (every case of `gitopsCases`
 * in both formats, then oci:// charts in both) that `check` finds no problem in, and a last test
 * that every kind the export writes went through `check`.
 */
export function itChecksEveryExport(check: ExportCheck, titles: { oci: string; kinds: string }): void {
  const seen = new Set<string>();
  for (const format of ["argocd", "flux"] as const)
    for (const [name, files] of gitopsCases)
      it(`${format}: ${name}`, async () => {
        const r = await renderGitopsTree(format, files);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(await check([...r.tree.values()], seen), []);
      });

  it(titles.oci, async () => {
    for (const format of ["argocd", "flux"] as const) {
      const set = ["--set", "spec.charts.repository=oci://registry.example.com/istio-charts"];
      const r = await renderGitopsTree(format, ["examples/dev.yaml"], set);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await check([...r.tree.values()], seen), []);
    }
  });

  it(titles.kinds, () => {
    assert.deepEqual([...seen].sort(), [
      "Application",
      "GitRepository",
      "HelmRelease",
      "HelmRepository",
      "Kustomization",
      "OCIRepository",
    ]);
  });
}
