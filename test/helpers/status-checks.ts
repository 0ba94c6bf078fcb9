/** What the status tests share: a plan from manifest text, and lookups in a report's checks. */
import assert from "node:assert/strict";
import type { StatusCheck } from "../../src/deploy/status.js";
import { planIstio } from "../../src/istio/plan.js";
import type { InstallPlan } from "../../src/istio/types.js";
import { loadManifest } from "../../src/manifest/load.js";
import type { StackState } from "../../src/pulumi/state.js";

/** The install plan of a whole manifest's YAML text (fails the test on a diagnostic). */
export function planOfYaml(yaml: string): InstallPlan {
  const r = loadManifest({ file: "-", readStdin: () => Buffer.from(yaml) });
  if (r.kind !== "ok") throw new Error(JSON.stringify(r.diagnostics));
  return planIstio(r.manifest);
}

/** The check named `name`; fails the test, listing the names there are, when it is missing. */
export function checkNamed(checks: StatusCheck[], name: string): StatusCheck {
  const c = checks.find((x) => x.name === name);
  assert.ok(c, `no check ${name} in ${checks.map((x) => x.name).join(", ")}`);
  return c;
}

/** The checks that are not ok. */
export const notOk = (checks: StatusCheck[]): StatusCheck[] => checks.filter((c) => c.state !== "ok");

/** The state of a stack that records four resources and nothing Helm-related (nothing pending). */
export const noReleasesState: StackState = {
  releases: [],
  namespaces: [],
  tags: {},
  namespaceLabels: {},
  resourceCount: 4,
  pending: [],
};

/** Every check is ok, and the checks are exactly `names`, in report order. */
export function assertAllOk(checks: StatusCheck[], names: string[]): void {
  assert.deepEqual(notOk(checks), []);
  assert.deepEqual(
    checks.map((c) => c.name),
    names,
  );
}
