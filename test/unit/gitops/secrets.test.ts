import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { makePluginCa, opensslMissing } from "../../helpers/ca-certs.js";
import { runCli } from "../../helpers/cli.js";
import { header } from "../../helpers/load.js";
import { readTree } from "../../helpers/gitops.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const fresh = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
const PEM = /-----BEGIN [A-Z ]*-----/;

async function exportTo(format: "argocd" | "flux", manifest: string, set: string[] = []) {
  const work = fresh("planton-gitops-secret-");
  writeFileSync(join(work, "istio.yaml"), manifest);
  const out = join(work, "out");
  const args = ["render", "-f", "istio.yaml", "--format", format, "--output-dir", "out"];
  args.push("--repo-url", "https://git.example.com/p.git", ...set.flatMap((s) => ["--set", s]));
  const r = await runCli(args, { cwd: work });
  return { ...r, work, out, all: existsSync(out) ? [...readTree(out).values()].join("\n") : "" };
}

describe("GitOps export never writes a secret", () => {
  for (const format of ["argocd", "flux"] as const) {
    it(`${format}: a plug-in CA's files: no PEM block, no key bytes; the header says how to provide cacerts`, {
      skip: opensslMissing,
    }, async () => {
      const ca = makePluginCa();
      dirs.push(ca);
      const r = await exportTo(
        format,
        `${header}spec:\n  profile: minimal\n  ca:\n    type: PLUGIN\n    plugin: {directory: ${ca}}\n`,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.all, PEM);
      const key = readFileSync(join(ca, "ca-key.pem"), "utf8")
        .split("\n")
        .filter((l) => l.length > 20);
      for (const line of key) assert.ok(!r.all.includes(line), "a line of the key is in the output");
      assert.match(r.all, /Secret istio-system\/cacerts is not written/);
      assert.match(r.all, /external secret store/);
      assert.doesNotMatch(r.all, /ca-key\.pem"?:\s*\S*\//, "not even the key file's path");
    });

    it(`${format}: a password given with --set in a chart URL is refused, nothing written`, async () => {
      const r = await exportTo(format, `${header}spec:\n  profile: minimal\n`, [
        "spec.charts.repository=https://mesh:hunter2-Secret@charts.example.com/istio",
      ]);
      assert.equal(r.code, 2);
      assert.ok(!existsSync(r.out));
      assert.ok(!(r.stdout + r.stderr).includes("hunter2-Secret"));
    });

    it(`${format}: a token in the chart URL's query is refused, nothing written`, async () => {
      const r = await exportTo(format, `${header}spec:\n  profile: minimal\n`, [
        "spec.charts.repository=https://charts.example.com/istio?token=abcdef123456",
      ]);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(!existsSync(r.out));
      assert.match(r.stderr, /credentials or a query|must not have a query/);
      assert.ok(!(r.stdout + r.stderr).includes("abcdef123456"));
    });

    it(`${format}: a password given with --set in the chart values is refused, nothing written`, async () => {
      const r = await exportTo(format, `${header}spec:\n  profile: minimal\n`, [
        "spec.helmValues.istiod.pilot.env.DB_PASSWORD=hunter2-Secret",
      ]);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(!existsSync(r.out));
      assert.match(r.stderr, /shaped like a secret/);
      assert.ok(!(r.stdout + r.stderr).includes("hunter2-Secret"));
    });
  }

  it("remote secrets: only named in the header, never their token", async () => {
    const r = await runCli(
      [
        "render",
        "-f",
        "examples/multicluster/multi-primary/east.yaml",
        "-f",
        "examples/multicluster/multi-primary/west.yaml",
      ].concat([
        "--format",
        "flux",
        "--output-dir",
        join(fresh("planton-gitops-remote-"), "out"),
        "--path",
        "mesh",
      ]),
      { cwd: join(import.meta.dirname, "../../..") },
    );
    assert.equal(r.code, 0, r.stderr);
    const out = r.stderr.match(/to (\S+)\n/)?.[1] ?? "";
    const all = [...readTree(out).values()].join("\n");
    assert.match(all, /remote secret istio-system\/istio-remote-secret-west \(cluster west\) is not written/);
    assert.doesNotMatch(all, /kind: Secret\b/);
    assert.doesNotMatch(all, /\btoken:/);
  });
});
