import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { CaFacts } from "../../../src/istio/types.js";
import { loadManifest } from "../../../src/manifest/load.js";
import {
  type MeshSetItem,
  meshSetWaves,
  orderMeshSet,
  validateMeshSet,
} from "../../../src/manifest/mesh-set.js";
import { root } from "../../helpers/paths.js";

const dir = mkdtempSync(join(tmpdir(), "planton-mesh-set-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Loads a manifest written to `<name>.yaml` (a marker ⟦ says where a diagnostic must point). */
function item(name: string, body: string, ca?: CaFacts): MeshSetItem & { line: number; column: number } {
  const text = `apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesIstio\n${body}`;
  const at = text.indexOf("⟦");
  const clean = text.replace("⟦", "");
  const before = at < 0 ? "" : clean.slice(0, at);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, clean);
  const r = loadManifest({ file });
  if (r.kind !== "ok") throw new Error(JSON.stringify(r.diagnostics));
  return {
    file: r.file,
    manifest: r.manifest,
    source: r.source,
    ...(ca !== undefined ? { ca } : {}),
    line: before.split("\n").length,
    column: at - before.lastIndexOf("\n"),
  };
}

const facts = (root: string): CaFacts => ({
  certificates: [{ file: "root-cert.pem", subject: "CN=r", issuer: "CN=r", fingerprint: root, notAfter: "" }],
  checksum: "",
});

/** A primary on `net` reading `remotes`, with a plug-in CA. */
const primary = (name: string, net: string, remotes: string[], extra = "") =>
  `metadata: {name: mesh-${name}}
spec:
  profile: minimal
  multiCluster:
    meshId: mesh1
    clusterName: ${name}
    network: ${net}
    remotes: [${remotes.map((r) => `{clusterName: ${r}, context: ${r}}`).join(", ")}]
  ca: {type: PLUGIN, plugin: {existingSecret: true}}
  eastWestGateway: {}
${extra}`;

function codes(list: ReturnType<typeof validateMeshSet>): string[] {
  return list.map((d) => `${d.code}@${d.path}`);
}

describe("validateMeshSet", () => {
  it("accepts the examples: multi-primary and primary-remote", () => {
    for (const folder of ["multi-primary", "primary-remote"]) {
      const items = ["east", "west", "primary", "remote"].flatMap((n) => {
        const r = loadManifest({ file: `${root}/examples/multicluster/${folder}/${n}.yaml` });
        return r.kind === "ok" ? [{ file: r.file, manifest: r.manifest, source: r.source }] : [];
      });
      assert.equal(items.length, 2);
      assert.deepEqual(validateMeshSet(items), [], folder);
    }
  });

  it("one manifest is not a set: nothing to check", () => {
    assert.deepEqual(validateMeshSet([item("solo", primary("solo", "n1", ["gone"]))]), []);
  });

  it("a stack name, a cluster name or a mesh id used twice points at the later key", () => {
    const a = item("a", primary("east", "n1", ["west"]));
    const b = item(
      "b",
      `metadata: {⟦name: mesh-east}\nspec:\n  multiCluster: {meshId: mesh2, clusterName: east, network: n1, remotes: [{clusterName: east2, context: x}]}\n  ca: {type: PLUGIN, plugin: {existingSecret: true}}\n`,
    );
    const d = validateMeshSet([a, b]);
    const stack = d.find((x) => x.code === "mesh_set.stack_name_taken");
    assert.ok(stack);
    assert.equal(stack.file, b.file);
    assert.deepEqual([stack.line, stack.column], [b.line, b.column]);
    assert.ok(codes(d).includes("mesh_set.mesh_id_differs@spec.multiCluster.meshId"));
    assert.ok(codes(d).includes("mesh_set.cluster_name_taken@spec.multiCluster.clusterName"));
    assert.ok(codes(d).includes("mesh_set.remote_unknown@spec.multiCluster.remotes[0].clusterName"));
    assert.ok(codes(d).includes("mesh_set.remote_unknown@spec.multiCluster.remotes[0].clusterName"));
  });

  it("cluster names that differ only in case or punctuation are one name: both spellings named, at the later key", () => {
    for (const [first, second] of [
      ["east", "East"],
      ["east-1", "east.1"],
      ["east_1", "EAST-1"],
    ] as const) {
      const a = item(
        `c-${first}`,
        primary(first, "n1", []).replace(/name: mesh-\S+\}/, "name: mesh-a}"),
        facts("AA"),
      );
      const b = item(
        `c2-${first}`,
        primary(second, "n2", [])
          .replace(/name: mesh-\S+\}/, "name: mesh-b}")
          .replace(`clusterName: ${second}\n`, `⟦clusterName: ${second}\n`),
        facts("AA"),
      );
      const d = validateMeshSet([a, b]);
      const taken = d.find((x) => x.code === "mesh_set.cluster_name_taken");
      assert.ok(taken, `${first}/${second}: ${codes(d).join()}`);
      assert.equal(taken.file, b.file);
      assert.equal(taken.path, "spec.multiCluster.clusterName");
      assert.deepEqual([taken.line, taken.column], [b.line, b.column]);
      assert.match(taken.message, new RegExp(`\`${second.replace(".", "\\.")}\` and \`${first}\``));
      assert.match(taken.hint ?? "", /case or punctuation/);
    }
  });

  it("a remote or primary spelled otherwise than its manifest: the hint gives the manifest's spelling", () => {
    const a = item("sp-a", primary("east", "n1", ["West"]), facts("AA"));
    const b = item("sp-b", primary("west", "n2", ["east"]), facts("AA"));
    const d = validateMeshSet([a, b]);
    const unknown = d.find((x) => x.code === "mesh_set.remote_unknown");
    assert.ok(unknown, codes(d).join());
    assert.match(unknown.hint ?? "", /write `west` as its manifest/);
  });

  it("missing mesh id and cluster name are required in a set", () => {
    const a = item("a1", primary("east", "n1", []));
    const b = item("b1", "metadata: {name: other}\nspec:\n  profile: minimal\n");
    const d = codes(validateMeshSet([a, b]));
    assert.ok(d.includes("mesh_set.mesh_id_required@spec.multiCluster.meshId"), d.join());
    assert.ok(d.includes("mesh_set.cluster_name_required@spec.multiCluster.clusterName"), d.join());
    assert.ok(d.includes("mesh_set.trust_root_self_signed@spec.ca"), d.join());
  });

  it("primaries share one trust root: plug-in CAs with the same root certificate", () => {
    const a = item("ra", primary("east", "n1", ["west"]), facts("AA"));
    const same = item("rb", primary("west", "n2", ["east"]), facts("AA"));
    assert.deepEqual(validateMeshSet([a, same]), []);
    const other = item("rc", primary("west", "n2", ["east"]), facts("BB"));
    const d = validateMeshSet([a, other]);
    assert.deepEqual(codes(d), ["mesh_set.trust_root_differs@spec.ca.plugin"]);
    assert.equal(d[0]?.file, other.file);
    const selfSigned = item(
      "rd",
      primary("west", "n2", ["east"]).replace("  ca: {type: PLUGIN, plugin: {existingSecret: true}}\n", ""),
    );
    assert.deepEqual(codes(validateMeshSet([a, selfSigned])), ["mesh_set.trust_root_self_signed@spec.ca"]);
  });

  it("networks: a cluster on its own network needs an east-west gateway exposing services", () => {
    const a = item("na", primary("east", "n1", ["west"]));
    const b = item("nb", primary("west", "n2", ["east"]).replace("  eastWestGateway: {}\n", ""));
    assert.deepEqual(codes(validateMeshSet([a, b])), ["mesh_set.network_unreachable@spec.eastWestGateway"]);
    const c = item(
      "nc",
      primary("west", "n2", ["east"]).replace(
        "eastWestGateway: {}",
        "eastWestGateway: {exposeServices: false}",
      ),
    );
    assert.deepEqual(codes(validateMeshSet([a, c])), [
      "mesh_set.network_unreachable@spec.eastWestGateway.exposeServices",
    ]);
    const sameNet = item("nd", primary("west", "n1", ["east"]).replace("  eastWestGateway: {}\n", ""));
    assert.deepEqual(validateMeshSet([a, sameNet]), []);
  });

  it("primary-remote: the primary is given, reads its remote and exposes istiod", () => {
    const p = item("pp", primary("main", "n1", []));
    const r = item(
      "pr",
      `metadata: {name: mesh-r}
spec:
  profile: remote
  multiCluster: {meshId: mesh1, clusterName: r, network: n2, primary: {clusterName: main, address: 192.0.2.10}}
  eastWestGateway: {}
`,
    );
    const d = validateMeshSet([p, r]);
    assert.deepEqual(codes(d).sort(), [
      "mesh_set.istiod_not_exposed@spec.eastWestGateway.exposeIstiod",
      "mesh_set.remote_not_read@spec.multiCluster.remotes",
    ]);
    assert.ok(d.every((x) => x.file === p.file));
    const lost = item(
      "pl",
      primary("main", "n1", [])
        .replace("name: mesh-main", "name: mesh-main2")
        .replace("clusterName: main", "clusterName: other"),
    );
    assert.ok(
      codes(validateMeshSet([lost, r])).includes(
        "mesh_set.primary_unknown@spec.multiCluster.primary.clusterName",
      ),
    );
  });

  it("a primary that does not read another primary gets a warning", () => {
    const a = item("wa", primary("east", "n1", []));
    const b = item("wb", primary("west", "n1", ["east"]));
    const d = validateMeshSet([a, b]);
    assert.deepEqual(codes(d), ["mesh_set.cluster_not_read@spec.multiCluster.remotes"]);
    assert.equal(d[0]?.severity, "warning");
  });
});

describe("orderMeshSet", () => {
  it("remote-profile clusters come after their primary; primaries (even reading each other) together", () => {
    const p = item("op", primary("main", "n1", ["r"], ""));
    const r = item(
      "or",
      "metadata: {name: mesh-r2}\nspec:\n  profile: remote\n  multiCluster: {meshId: mesh1, clusterName: r, network: n1, primary: {clusterName: main, address: 10.0.0.1}}\n",
    );
    const q = item("oq", primary("other", "n1", ["main"]));
    assert.deepEqual(meshSetWaves([r, p, q]), [1, 0, 0]);
    assert.deepEqual(orderMeshSet([r, p, q]), [[p.file, q.file], [r.file]]);
    const alone = item(
      "oa",
      "metadata: {name: mesh-r3}\nspec:\n  profile: remote\n  multiCluster: {clusterName: r3, primary: {clusterName: elsewhere, address: a.example.com}}\n",
    );
    assert.deepEqual(orderMeshSet([alone, q]), [[alone.file, q.file]]);
  });
});
