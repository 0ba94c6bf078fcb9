import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parse } from "yaml";
import type { InstallPlan } from "../../../src/istio/types.js";
import type { Diagnostic } from "../../../src/manifest/diagnostic.js";
import { diagnosticsToJson, renderDiagnostics } from "../../../src/output/diagnostics.js";
import { planToJson, planToYaml, valuesToYaml } from "../../../src/output/plan.js";
import { escapeControl, hasControl, isControlChar } from "../../../src/output/redact.js";
import { createStyle } from "../../../src/output/style.js";

const ESC = "\u001b";
const BEL = "\u0007";
const CSI = "\u009b";
const RLO = "\u202e";
const FSI = "\u2068";

/** True when the text holds a character that must not reach a terminal, newlines aside. */
const unsafe = (s: string) => [...s].some((c) => c !== "\n" && isControlChar(c.charCodeAt(0)));

describe("escapeControl", () => {
  it("shows C0, DEL, C1, bidi controls and separators as escapes", () => {
    assert.equal(escapeControl(`a${ESC}[31mb${BEL}`), "a\\u001b[31mb\\u0007");
    assert.equal(escapeControl("x\ry\nz\tw"), "x\\ry\\nz\\tw");
    assert.equal(escapeControl(`\u0000\u007f${CSI}\u0085`), "\\u0000\\u007f\\u009b\\u0085");
    assert.equal(
      escapeControl(`\u202a\u202b\u202c\u202d${RLO}\u2066\u2067${FSI}\u2069`),
      "\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069",
    );
    assert.equal(escapeControl("\u200e\u200f\u061c\u2028\u2029"), "\\u200e\\u200f\\u061c\\u2028\\u2029");
  });

  it("leaves ordinary text, unicode and backslashes alone", () => {
    for (const s of ["", "istio-system", "C:\\mesh\\istio.yaml", "日本語 ǅ 💥 é", "\u00a0\u200b\u200d"])
      assert.equal(escapeControl(s), s);
  });

  it("keeps newlines and tabs only when asked", () => {
    assert.equal(escapeControl("a\nb\r\nc\rd\te", { keepNewlines: true }), "a\nb\r\nc\\rd\\te");
    assert.equal(escapeControl("a\tb\n", { keepTabs: true }), "a\tb\\n");
    assert.equal(hasControl("a\nb", { keepNewlines: true }), false);
    assert.equal(hasControl(`a${ESC}`), true);
  });

  it("the result never holds a control character, and its escapes are JSON's", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const out = escapeControl(s);
        assert.ok(!unsafe(out) && !out.includes("\n"));
        const plain = s.replace(/["\\]/g, "");
        assert.equal(JSON.parse(`"${escapeControl(plain)}"`), plain);
      }),
      { numRuns: 500, seed: 5 },
    );
  });
});

const hostile: Diagnostic = {
  severity: "error",
  code: `key.unknown${BEL}`,
  message: `unknown field "rep${ESC}[2Jlicas${RLO}"`,
  path: `spec.controlPlane.rep${ESC}]0;pwned${BEL}licas`,
  file: `ist${CSI}io.yaml`,
  line: 3,
  column: 5,
  hint: `did you mean "replicas"?\r${FSI}fake`,
};

const { hint: _hint, ...rest } = hostile;
const withoutHint: Diagnostic = { ...rest, severity: "warning" };

describe("diagnostics with control characters from the user's file", () => {
  for (const color of [false, true]) {
    it(`the text form escapes them${color ? " (with colour)" : ""}, one line per part`, () => {
      const out = renderDiagnostics([hostile, withoutHint], createStyle(color));
      // The only ESC left are the renderer's own colour sequences.
      const withoutColour = out.replace(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "");
      assert.ok(!unsafe(withoutColour), JSON.stringify(withoutColour));
      assert.equal(out.split("\n").length, 4, "head + hint, head, and the final newline");
      assert.ok(out.endsWith("\n"));
      if (!color)
        assert.equal(
          withoutColour.split("\n")[0],
          'ist\\u009bio.yaml:3:5: error: spec.controlPlane.rep\\u001b]0;pwned\\u0007licas: unknown field "rep\\u001b[2Jlicas\\u202e" [key.unknown\\u0007]',
        );
      assert.match(out, /hint:.* did you mean "replicas"\?\\r\\u2068fake\n/);
    });
  }

  it("the JSON form escapes C1 and bidi controls and still parses to the same values", () => {
    const json = diagnosticsToJson([hostile]);
    assert.ok(!unsafe(json), json);
    const [d] = JSON.parse(json) as Diagnostic[];
    assert.deepEqual(d, hostile);
  });

  it("ordinary diagnostics render as before", () => {
    const d: Diagnostic = {
      severity: "error",
      code: "string.pattern",
      message: "must be a DNS-1123 label",
      path: "spec.namespace",
      file: "istio.yaml",
      line: 12,
      column: 3,
      hint: "use lowercase letters, digits and -",
    };
    assert.equal(
      renderDiagnostics([d], createStyle(false)),
      "istio.yaml:12:3: error: spec.namespace: must be a DNS-1123 label [string.pattern]\n  hint: use lowercase letters, digits and -\n",
    );
  });
});

describe("plan output with control characters in values", () => {
  const values = {
    plain: "istio",
    esc: `x${ESC}[31my`,
    bidi: `admin${RLO}txt.exe`,
    c1: `a${CSI}b`,
    del: "a\u007fb",
    multi: "line one\nline two",
    multiBidi: `one\ntwo${RLO}`,
    tab: "a\tb",
    [`key${RLO}`]: [`${FSI}item`, 1, true, null],
    nested: { deep: `${BEL}bell` },
  };
  const plan = { version: 1, releases: [{ name: "istiod", values }] } as unknown as InstallPlan;

  it("YAML double-quotes and escapes them, and parses to the same values", () => {
    for (const text of [valuesToYaml(values), planToYaml(plan)]) {
      assert.ok(!unsafe(text.replaceAll("\t", "")), text);
      assert.ok(text.includes("plain: istio\n"), "ordinary strings stay plain");
      assert.ok(text.includes("multi: |-\n"), "ordinary multi-line strings stay literal blocks");
    }
    assert.deepEqual(parse(valuesToYaml(values)), values);
    assert.deepEqual(parse(planToYaml(plan)), plan);
  });

  it("JSON escapes them and parses to the same plan", () => {
    const text = planToJson(plan);
    assert.ok(!unsafe(text), text);
    assert.deepEqual(JSON.parse(text), plan);
    assert.ok(text.endsWith("}\n"));
  });

  it("any string value survives the YAML and JSON round trip without reaching the terminal", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ unit: "binary", maxLength: 8 }).filter((k) => k !== "__proto__"),
          fc.string({ unit: "binary" }),
          { noNullPrototype: true },
        ),
        (v) => {
          const yaml = valuesToYaml(v);
          assert.ok(!unsafe(yaml.replaceAll("\t", "")), yaml);
          assert.deepEqual(parse(yaml) ?? {}, v);
          const json = planToJson({ version: 1, values: v } as unknown as InstallPlan);
          assert.ok(!unsafe(json));
          assert.deepEqual((JSON.parse(json) as { values: unknown }).values, v);
        },
      ),
      { numRuns: 500, seed: 11 },
    );
  });
});
