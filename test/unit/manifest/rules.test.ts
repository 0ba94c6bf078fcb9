import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadMarked } from "../../helpers/load.js";
import { ruleCases } from "./rules.testdata.js";
import { waypointRuleCases } from "./waypoint-rules.testdata.js";

describe("every manifest rule has a diagnostic at the offending key", () => {
  for (const c of [...ruleCases, ...waypointRuleCases]) {
    it(c.name, () => {
      const { result, line, column } = loadMarked(c.yaml, c.overrides);
      const list = result.kind === "ok" ? result.warnings : result.diagnostics;
      const hit = list.find((d) => d.code === c.code);
      assert.ok(hit, `expected ${c.code}, got ${JSON.stringify(list, null, 1)}`);
      assert.equal(hit.path, c.path);
      assert.equal(hit.severity, c.severity ?? "error");
      if (c.overrides !== undefined) {
        assert.equal(hit.file, `--set ${c.overrides[0]}`);
      } else {
        assert.equal(hit.file, "<stdin>");
        assert.deepEqual([hit.line, hit.column], [line, column], `position of ${c.code}`);
      }
      assert.ok(hit.hint !== undefined && hit.hint.length > 0, "every diagnostic carries a hint");
      if ((c.severity ?? "error") === "error") assert.equal(result.kind, "invalid");
      else assert.equal(result.kind, "ok");
    });
  }
});
