import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { assertGolden } from "../../helpers/golden.js";
import { gitopsCases, readTree, renderGitopsTree } from "../../helpers/gitops.js";
import { root } from "../../helpers/paths.js";

for (const format of ["argocd", "flux"] as const)
  describe(`render --format ${format} writes the golden files for the examples`, () => {
    for (const [name, files] of gitopsCases)
      it(name, async () => {
        const r = await renderGitopsTree(format, files);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "", "the export prints nothing on standard output");
        const golden = join(root, "test/golden/gitops", format, name);
        for (const [path, text] of r.tree) assertGolden(join(golden, path), text);
        if (process.env.UPDATE_GOLDEN !== "1" && existsSync(golden))
          assert.deepEqual(
            [...readTree(golden).keys()],
            [...r.tree.keys()],
            "no file more or less than the goldens",
          );
      });
  });
