/**
 * Standard output goes through the same redactor as standard error (issue 19: one redaction path
 * for every stream and format). A credential the user put into the manifest's Helm values, or
 * into an IstioOperator, never comes back on standard output, whatever the format.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli } from "../../helpers/cli.js";

const work = mkdtempSync(join(tmpdir(), "planton-stdout-"));
after(() => rmSync(work, { recursive: true, force: true }));

const password = "hunter2hunter2hunter2";
const bearer = "abcdefSECRETtoken123456";

const manifest = join(work, "istio.yaml");
writeFileSync(
  manifest,
  `apiVersion: kubernetes.project-planton.org/v1
kind: KubernetesIstio
metadata:
  name: m
spec:
  profile: minimal
  helmValues:
    istiod:
      pilot:
        env:
          AUTH_HEADER: "Bearer ${bearer}"
          password: ${password}
`,
);

/** Writes an IstioOperator (minimal profile) with `spec`'s further lines; returns its path. */
function writeOperator(file: string, spec: string[]): string {
  const path = join(work, file);
  const head = ["apiVersion: install.istio.io/v1alpha1", "kind: IstioOperator", "metadata:", "  name: op"];
  writeFileSync(path, `${[...head, "spec:", "  profile: minimal", ...spec].join("\n")}\n`);
  return path;
}

const operator = writeOperator("operator.yaml", [
  "  values:",
  "    pilot:",
  "      env:",
  `        password: ${password}`,
]);

/** An IstioOperator whose hub and CA address carry a password without a scheme. */
const userinfo = writeOperator("userinfo.yaml", [
  `  hub: bob:${password}@registry.example.com/istio`,
  "  values:",
  "    global:",
  `      caAddress: bob:${password}@istiod:15012`,
]);

const assertNoSecret = (text: string) => {
  assert.ok(!text.includes(password), "the password is on standard output");
  assert.ok(!text.includes(bearer), "the Bearer token is on standard output");
};

describe("standard output is redacted like standard error", () => {
  for (const args of [
    ["render", "-f", manifest],
    ["render", "-o", "json", "-f", manifest],
    ["convert", "-f", operator],
    ["convert", "-o", "json", "-f", operator],
  ]) {
    it(args.slice(0, -1).join(" "), async () => {
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\[secret\]/);
      assertNoSecret(r.stdout + r.stderr);
    });
  }
  it("convert printing a manifest that does not validate (a registry path with a password)", async () => {
    const r = await runCli(["convert", "-f", userinfo]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /\[secret\]@registry\.example\.com/);
    assertNoSecret(r.stdout + r.stderr);
  });
});
