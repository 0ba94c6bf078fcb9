/**
 * `planton precheck` wired end to end, short of the command line: the command reads the stand-in
 * API (pods in pages, access reviews answered, nothing written) and its error carries the exit
 * code (0 nothing would break, 4 an error finding, 1 a check could not be made).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, describe, it } from "node:test";
import { precheck } from "../../../src/cli/commands/precheck.js";
import { isPlantonError } from "../../../src/errors.js";
import { captureContext } from "../../helpers/context.js";
import { type FakeObject, startFakeKubeApi, writeKubeconfig } from "../../helpers/fake-kube.js";
import { root } from "../../helpers/paths.js";
import { recorded } from "./precheck-fixtures.js";

const work = mkdtempSync(join(tmpdir(), "planton-precheck-"));
after(() => rmSync(work, { recursive: true, force: true }));
const manifest = join(work, "istio.yaml");
writeFileSync(
  manifest,
  "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesIstio\nmetadata:\n  name: shop-mesh\nspec:\n  version: 1.30.3\n",
);

/** `count` sidecar pods of Istio `version` spread over `namespaces` namespaces, shaped like pods.json's. */
function sidecars(count: number, namespaces: number, version: string): FakeObject[] {
  const [template] = recorded<FakeObject>("pods.json");
  return Array.from({ length: count }, (_, i) => {
    const pod = structuredClone(template) as FakeObject & { spec: { initContainers: { image: string }[] } };
    pod.metadata.name = `app-${i}`;
    pod.metadata.namespace = `team-${i % namespaces}`;
    pod.metadata.labels = { ...pod.metadata.labels, "istio.io/rev": "default" };
    for (const c of pod.spec.initContainers) c.image = `docker.io/istio/proxyv2:${version}`;
    return pod;
  });
}

let api: Awaited<ReturnType<typeof startFakeKubeApi>> | undefined;
afterEach(() => api?.close());

async function run(flags: { output?: "json"; skipCheck?: string[] } = {}) {
  const env = { KUBECONFIG: writeKubeconfig(work, api?.url ?? ""), PLANTON_HOME: join(work, "home") };
  const { ctx, out } = captureContext({
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    cwd: root,
  });
  try {
    await precheck({ file: [manifest], ...flags }, ctx);
    return { code: 0, message: "", ...out };
  } catch (err) {
    if (!isPlantonError(err)) throw err;
    return { code: err.exitCode, message: err.message, ...out };
  }
}

describe("planton precheck against the stand-in API", () => {
  it("a clean cluster: exit 0, every pod page read, access reviewed, nothing written", async () => {
    api = await startFakeKubeApi({ objects: sidecars(1200, 20, "1.29.6") });
    const r = await run();
    assert.equal(r.code, 0, r.stderr + r.message);
    assert.match(
      r.stdout,
      /Istio 1\.30\.3 on Kubernetes v1\.34\.1 \(stack shop-mesh, context test-ctx\): nothing would break\.$/m,
    );
    const podPages = api.requests.filter((q) => q.startsWith("GET /api/v1/pods"));
    assert.equal(podPages.length, 3, podPages.join("\n"));
    assert.ok(podPages.every((q) => q.includes("limit=500")));
    const writes = api.requests.filter((q) => !q.startsWith("GET "));
    assert.ok(
      writes.length > 50 &&
        writes.every((q) =>
          /^POST \/apis\/authorization\.k8s\.io\/v1\/selfsubject(access|rules)reviews/.test(q),
        ),
    );
  });

  it("proxies two minors behind and a pending Helm release: exit 4 with the findings in the proto's JSON", async () => {
    const pending: FakeObject = {
      kind: "Secret",
      metadata: {
        name: "sh.helm.release.v1.istiod.v3",
        namespace: "istio-system",
        labels: { owner: "helm", name: "istiod", status: "pending-upgrade", version: "3" },
      },
    };
    api = await startFakeKubeApi({ objects: [...sidecars(3, 1, "1.28.3"), pending] });
    const r = await run({ output: "json" });
    assert.equal(r.code, 4, r.stderr);
    const report = JSON.parse(r.stdout) as {
      findings: { code: string; object: { name: string }; waived: boolean }[];
    };
    assert.deepEqual(
      report.findings.map((f) => [f.code, f.object.name]),
      [
        ["PROXY_VERSION_SKEW", "team-0"],
        ["HELM_RELEASE_PENDING", "sh.helm.release.v1.istiod.v3"],
      ],
    );
    assert.match(r.message, /would break: PROXY_VERSION_SKEW, HELM_RELEASE_PENDING/);
    const waived = await run({ skipCheck: ["proxy_version_skew", "HELM_RELEASE_PENDING"] });
    assert.equal(waived.code, 0, waived.stdout);
    assert.match(waived.stdout, /2 waived \(PROXY_VERSION_SKEW, HELM_RELEASE_PENDING\)/);
  });

  it("rights denied and a read forbidden: RBAC_MISSING (exit 4), and the pod checks not made (exit 1 without it)", async () => {
    api = await startFakeKubeApi({
      forbid: /^\/api\/v1\/pods/,
      deny: (a) => a.resource === "validatingwebhookconfigurations" && a.verb === "create",
    });
    const r = await run();
    assert.equal(r.code, 4);
    assert.match(
      r.stdout,
      /RBAC_MISSING +cluster\n +the kubeconfig's user may not create validatingwebhookconfigurations\.admissionregistration\.k8s\.io cluster-wide/,
    );
    assert.match(
      r.stdout,
      /Not checked:\n {2}PROXY_VERSION_SKEW: the cluster \(context "test-ctx"\) forbids listing Pods: HTTP 403/,
    );
    const waived = await run({ skipCheck: ["RBAC_MISSING"] });
    assert.equal(waived.code, 1);
    assert.match(waived.message, /could not check PROXY_VERSION_SKEW, PROXY_INPLACE_BREAK, REVISION_IN_USE/);
  });

  it("an unknown --skip-check code is bad input (exit 2), before the cluster is read", async () => {
    api = await startFakeKubeApi();
    const r = await run({ skipCheck: ["NO_SUCH_CHECK"] });
    assert.equal(r.code, 2);
    assert.equal(api.requests.length, 0);
  });
});
