import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Diagnostic } from "../../../src/manifest/diagnostic.js";
import { diagnosticsToJson, renderDiagnostics } from "../../../src/output/diagnostics.js";
import { createRedactor } from "../../../src/output/redact.js";
import { createStyle } from "../../../src/output/style.js";

const d = (file: string, message: string, hint?: string): Diagnostic => ({
  severity: "error",
  code: "x.y",
  file,
  line: 1,
  column: 1,
  path: "spec.x",
  message,
  ...(hint === undefined ? {} : { hint }),
});

const plain = createStyle(false);

describe("diagnostics: one redaction for every format", () => {
  it("a hint mentioning -----BEGIN CERTIFICATE----- blocks is kept, and so is the next file name", () => {
    const list = [
      d(
        "a.yaml",
        "root-cert.pem is not a PEM certificate",
        "it must hold -----BEGIN CERTIFICATE----- blocks",
      ),
      d("next.yaml", "second"),
    ];
    for (const out of [createRedactor([])(renderDiagnostics(list, plain)), diagnosticsToJson(list)]) {
      assert.match(out, /it must hold -----BEGIN CERTIFICATE----- blocks/);
      assert.match(out, /next\.yaml/);
    }
  });

  it("validate -o json redacts a Bearer token or a PEM block given through --set, as standard error does", () => {
    const token = "Bearer abcDEF123456789xyz";
    const pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----";
    const list = [d(`--set spec.x=${token}`, "bad"), d(`--set spec.y=${pem}`, "bad")];
    const json = diagnosticsToJson(list);
    const text = renderDiagnostics(list, plain);
    for (const out of [json, text]) {
      assert.ok(!out.includes("abcDEF123456789xyz"), out);
      assert.ok(!out.includes("MIGHAgEAMBMGByqGSM49"), out);
    }
    assert.equal((JSON.parse(json) as unknown[]).length, 2);
  });
});
