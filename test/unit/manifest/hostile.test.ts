import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { UsageError } from "../../../src/errors.js";
import { planIstio } from "../../../src/istio/plan.js";
import { compareVersions, minorDistance, parseVersion } from "../../../src/istio/versions.js";
import type { Diagnostic } from "../../../src/manifest/diagnostic.js";
import { type LoadResult, loadManifest } from "../../../src/manifest/load.js";
import { runCli } from "../../helpers/cli.js";
import { header, loadMarked } from "../../helpers/load.js";
import { root, validManifests } from "../../helpers/paths.js";

const load = (text: string, overrides: string[] = []): LoadResult =>
  loadManifest({ file: "-", overrides, readStdin: () => Buffer.from(text) });
const listOf = (r: LoadResult): Diagnostic[] => (r.kind === "ok" ? r.warnings : r.diagnostics);
const codes = (r: LoadResult) => listOf(r).map((d) => d.code);

/** Asserts one diagnostic with `code` at the marker, carrying a path and a hint. */
function expectAtMarker(yaml: string, code: string, path: string): Diagnostic {
  const { result, line, column } = loadMarked(yaml);
  assert.equal(result.kind, "invalid");
  const hit = listOf(result).find((d) => d.code === code);
  assert.ok(hit, `expected ${code}, got ${JSON.stringify(listOf(result))}`);
  assert.deepEqual([hit.path, hit.line, hit.column], [path, line, column]);
  assert.ok(hit.hint, "has a hint");
  return hit;
}

/** A manifest of about 1 MB whose Helm values hold `keys` keys in one map. */
function largeManifest(keys: number): string {
  const name = (i: number) => {
    let s = "";
    do {
      s = String.fromCharCode(97 + (i % 26)) + s;
      i = Math.floor(i / 26);
    } while (i > 0);
    return s;
  };
  const lines = [`${header}spec:\n  profile: minimal\n  helmValues:\n    istiod: {\n`];
  for (let i = 0; i < keys; i += 100) {
    const row: string[] = [];
    for (let k = i; k < Math.min(keys, i + 100); k++) row.push(`${name(k)}: ${k % 10}`);
    lines.push(`      ${row.join(", ")},\n`);
  }
  lines.push("    }\n");
  return lines.join("");
}

describe("gateway names may not take planton's own release names", () => {
  // the names come from the plans themselves, so the rule cannot drift from plan.ts
  for (const [name, file] of validManifests()) {
    const r = loadManifest({ file });
    if (r.kind !== "ok") continue;
    const own = planIstio(r.manifest)
      .releases.filter((x) => x.component !== "gateway")
      .map((x) => x.name);
    it(`${name}: ${own.join(", ")}`, () => {
      for (const release of own) {
        const set = `spec.egressGateways[0].name=${release}`;
        const bad = loadManifest({ file, overrides: [set] });
        const hit = listOf(bad).find((d) => d.code === "gateway.name_reserved");
        assert.ok(hit, `${release}: ${JSON.stringify(listOf(bad))}`);
        assert.equal(hit.path, "spec.egressGateways[0].name");
        assert.equal(hit.file, `--set ${set}`);
      }
    });
  }
  it("every component's name is reserved whatever the profile", () => {
    for (const release of ["istio-base", "istiod", "istio-cni", "ztunnel"]) {
      expectAtMarker(
        `${header}spec:\n  profile: minimal\n  ingressGateways:\n    - ⟦name: ${release}\n`,
        "gateway.name_reserved",
        "spec.ingressGateways[0].name",
      );
    }
  });
  it("istiod-<name> is free when no revision has that name", () => {
    const r = load(`${header}spec:\n  ingressGateways: [{name: istiod-edge}]\n`);
    assert.equal(r.kind, "ok", JSON.stringify(listOf(r)));
  });
});

describe("gateways and namespaces marked DISABLED", () => {
  it("a namespace without a gateway may be DISABLED: no default gateway there, none installed, another namespace", () => {
    for (const body of [
      "  profile: minimal\n  namespaces: [{name: istio-ingress, injection: DISABLED}]\n",
      "  ingressGateways: []\n  namespaces: [{name: istio-ingress, injection: DISABLED}]\n",
      "  ingressGateways: [{name: in, namespace: edge, enabled: false}]\n  namespaces: [{name: edge, injection: DISABLED}]\n",
      "  ingressGateways: [{name: in, namespace: edge}]\n  namespaces: [{name: batch, injection: DISABLED}]\n",
    ]) {
      const r = load(`${header}spec:\n${body}`);
      assert.equal(r.kind, "ok", JSON.stringify(listOf(r)));
    }
  });
  it("one diagnostic per namespace, naming every gateway in it", () => {
    const hit = expectAtMarker(
      `${header}spec:\n  profile: demo\n  egressGateways: [{name: out, namespace: istio-ingress}]\n  namespaces:\n    - name: istio-ingress\n      ⟦injection: DISABLED\n`,
      "namespaces.gateway_not_injected",
      "spec.namespaces[0].injection",
    );
    assert.match(hit.message, /ingress gateway `istio-ingressgateway` and the egress gateway `out`/);
  });
});

describe("addresses and servers are checked in words", () => {
  const csr = (address: string) =>
    load(`${header}spec:\n  ca: {type: ISTIO_CSR, istioCsr: {address: "${address}"}}\n`);
  it("istioCsr.address takes ports 1 to 65535 only", () => {
    for (const port of ["1", "443", "9443", "65535"]) assert.equal(csr(`csr.svc:${port}`).kind, "ok", port);
    for (const port of ["0", "00443", "65536", "70000", "99999"]) {
      const hit = listOf(csr(`csr.svc:${port}`)).find((d) => d.path === "spec.ca.istioCsr.address");
      assert.match(hit?.message ?? "", /port from 1 to 65535/, port);
    }
  });
  it("a remote's server that is not an https:// URL is told in words, without the regex or the value", () => {
    for (const server of [
      "http://10.0.0.1:6443",
      "https://u:pw@10.0.0.1",
      "https://h:6443?token=pw",
      "https://h/#pw",
    ]) {
      const r = load(
        `${header}spec:\n  multiCluster:\n    clusterName: east\n    remotes: [{clusterName: west, context: w, server: "${server}"}]\n`,
      );
      const hit = listOf(r).find((d) => d.path === "spec.multiCluster.remotes[0].server");
      assert.match(hit?.message ?? "", /must be an https:\/\/ URL .* without a user name, query/, server);
      assert.doesNotMatch(JSON.stringify(hit), /regex|\^\(|pw/, server);
    }
  });
});

describe("a field left empty is reported once, as required, in its own words", () => {
  for (const [what, body, path, about] of [
    [
      "a revision tag without a name",
      "  revisions: [{name: 1-30-3, version: 1.30.3}]\n  revisionTags:\n    - ⟦revision: 1-30-3\n    - {name: '', revision: 1-30-3}\n",
      "spec.revisionTags[0].name",
      /tag/,
    ],
    [
      "a workload namespace without a name",
      "  namespaces:\n    - ⟦injection: DISABLED\n    - {name: ''}\n",
      "spec.namespaces[0].name",
      /namespace/,
    ],
    [
      "a revision without a name",
      "  revisions:\n    - ⟦version: 1.30.3\n",
      "spec.revisions[0].name",
      /revision/,
    ],
  ] as const) {
    it(what, () => {
      const { result, line, column } = loadMarked(`${header}spec:\n${body}`);
      const list = listOf(result);
      const first = list.filter((d) => d.path === path);
      assert.equal(first.length, 1, JSON.stringify(first));
      assert.deepEqual([first[0]?.code, first[0]?.line, first[0]?.column], ["string.min_len", line, column]);
      assert.equal(first[0]?.message, "is required");
      assert.match(first[0]?.hint ?? "", about);
      assert.doesNotMatch(JSON.stringify(list), /gateway|declared twice|listed twice/);
    });
  }
});

describe("duplicate keys: linear, named, with the line of the first", () => {
  it("names the key and its first line, at the second occurrence", () => {
    const d = expectAtMarker(
      `${header}spec:\n  controlPlane:\n    replicas: 2\n    ⟦replicas: 3\n`,
      "yaml.duplicate_key",
      "spec.controlPlane.replicas",
    );
    assert.equal(d.message, 'duplicate key "replicas" (first at line 7)');
  });
  it("finds duplicates in flow maps and inside Helm values", () => {
    expectAtMarker(
      `${header}spec:\n  helmValues:\n    istiod: {pilot: {env: {A: "1", ⟦A: "2"}}}\n`,
      "yaml.duplicate_key",
      "spec.helmValues.istiod.pilot.env.A",
    );
  });
  it("a key repeated in different maps is not a duplicate", () => {
    const r = load(`${header}spec:\n  ingressGateways: [{name: a, replicas: 1}, {name: b, replicas: 2}]\n`);
    assert.equal(r.kind, "ok", JSON.stringify(listOf(r)));
  });
  it("a 1 MB manifest with 100,000 keys in one map loads, quickly, and is not taken for an alias bomb", () => {
    const text = largeManifest(100_000);
    assert.ok(text.length <= 1024 * 1024, `${text.length} bytes`);
    const start = performance.now();
    const r = load(text);
    const ms = performance.now() - start;
    assert.equal(r.kind, "ok", JSON.stringify(listOf(r).slice(0, 3)));
    // quadratic duplicate-key checking took 30 s and more; linear parsing is about 1 s
    assert.ok(ms < 15_000, `${Math.round(ms)} ms`);
  });
  it("the alias budget still stops a billion laughs", () => {
    let y = `${header}spec:\n  helmValues:\n    istiod:\n      a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n`;
    for (let i = 1; i < 10; i++)
      y += `      a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(", ")}]\n`;
    assert.deepEqual(codes(load(y)), ["yaml.too_large"]);
  });
});

describe("--set values never cause an internal error", () => {
  const base = `${header}spec:\n  profile: minimal\n`;
  for (const value of [
    "*a",
    "[*a]",
    "&a [1, *a]",
    "!!timestamp 2001-12-14",
    "!!binary aGVsbG8=",
    "!!set {a}",
    "!foo x",
    "{a: 1, a: 2}",
    "{[a]: 1}",
    "[".repeat(5000),
    "a\n---\nb",
  ]) {
    it(`spec.profile=${JSON.stringify(value.slice(0, 30))} is a usage error`, () => {
      assert.throws(() => load(base, [`spec.profile=${value}`]), UsageError);
    });
  }
  it("through the CLI: exit 2 with a message, no internal error", async () => {
    const r = await runCli(["validate", "-f", "-", "--set", "spec.profile=*a"], { stdin: base });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--set spec\.profile=\*a: .*alias/);
    assert.doesNotMatch(r.stderr, /internal error/);
  });
  it("fuzzed values and paths: a result or a UsageError, nothing else", () => {
    const tokens = ["*a", "&a", "!!binary", "!!timestamp", "!foo", "[", "]", "{", "}", ",", ":", " ", "\n"];
    const more = ["'", '"', "#", "-", "?", "|", ">", "a", "1", "~", "<<", "__proto__", "---", "[0]", "."];
    const piece = fc.constantFrom(...tokens, ...more);
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 20 }),
      fc.array(piece, { maxLength: 10 }).map((a) => a.join("")),
    );
    const path = fc.oneof(
      fc.constantFrom(
        "spec.profile",
        "spec.helmValues.istiod",
        "spec.ingressGateways[0]",
        "spec",
        "metadata",
      ),
      text,
    );
    fc.assert(
      fc.property(path, text, (p, v) => {
        try {
          const r = load(base, [`${p}=${v}`]);
          assert.ok(r.kind === "ok" || r.diagnostics.length > 0);
        } catch (err) {
          if (!(err instanceof UsageError)) throw err;
        }
      }),
      { numRuns: 3000, seed: 4 },
    );
  });
});

describe("free-form maps and YAML features JSON has no value for", () => {
  for (const key of ["__proto__", "constructor", "prototype"]) {
    it(`\`${key}\` in Helm values is an error, not silently dropped`, () => {
      expectAtMarker(
        `${header}spec:\n  helmValues:\n    istiod:\n      pilot:\n        ⟦${key}: {env: {A: "1"}}\n`,
        "key.reserved",
        `spec.helmValues.istiod.pilot.${key}`,
      );
    });
    it(`\`${key}\` set by --set points at the flag`, () => {
      for (const set of [`spec.helmValues.istiod.${key}.x=1`, `spec.helmValues.istiod={${key}: {x: 1}}`]) {
        const r = load(`${header}spec: {}\n`, [set]);
        const hit = listOf(r).find((d) => d.code === "key.reserved");
        assert.equal(hit?.file, `--set ${set}`, JSON.stringify(listOf(r)));
      }
    });
  }
  for (const [tag, value] of [
    ["!!timestamp", "2001-12-14"],
    ["!!binary", "aGVsbG8="],
    ["!!set", "{a}"],
    ["!!omap", "[{a: 1}]"],
    ["!foo", "x"],
    ["!<tag:example.com,2000:x>", "x"],
  ] as const) {
    it(`the tag ${tag} is refused at its position`, () => {
      const d = expectAtMarker(
        `${header}spec:\n  helmValues:\n    istiod:\n      v: ⟦${tag} ${value}\n`,
        "yaml.tag",
        "spec.helmValues.istiod.v",
      );
      assert.match(d.message, /tag/);
    });
  }
  it("JSON's own tags are fine", () => {
    const r = load(`${header}spec:\n  profile: !!str minimal\n  helmValues: !!map {istiod: {a: !!int 3}}\n`);
    assert.equal(r.kind, "ok", JSON.stringify(listOf(r)));
  });
});

describe("the nesting limit counts structure only", () => {
  const deep = "[".repeat(100);
  for (const [name, text] of [
    ["a comment", `${header}# ${deep}\nspec:\n  profile: minimal # ${deep}\n`],
    ["a quoted string", `${header}spec:\n  helmValues:\n    istiod: {a: "${deep}", b: '${deep}{{{'}\n`],
    ["a block scalar", `${header}spec:\n  helmValues:\n    istiod:\n      script: |\n        ${deep}\n`],
    ["a plain scalar", `${header}spec:\n  helmValues:\n    istiod:\n      a: x${deep}\n`],
  ] as const) {
    it(`brackets inside ${name} pass`, () => {
      const r = load(text);
      assert.equal(r.kind, "ok", JSON.stringify(listOf(r)));
    });
  }
  it("real nesting still fails, at the bracket that goes too deep", () => {
    const d = expectAtMarker(
      `${header}spec:\n  helmValues:\n    istiod: ${"[".repeat(64)}⟦${"[]".repeat(1)}${"]".repeat(64)}\n`,
      "yaml.too_deep",
      "",
    );
    assert.match(d.message, /64/);
  });
});

describe("chart repositories", () => {
  const withRepo = (repo: string, sets: string[] = []) =>
    load(`${header}spec:\n  charts:\n    repository: ${JSON.stringify(repo)}\n`, sets);
  for (const repo of [
    "https://istio-release.storage.googleapis.com/charts",
    "oci://registry.example.com/istio",
    "http://127.0.0.1:8879/charts",
    "http://localhost:8879",
  ]) {
    it(`accepts ${repo}`, () => {
      const r = withRepo(repo);
      assert.equal(r.kind, "ok", JSON.stringify(listOf(r)));
    });
  }
  for (const [repo, code] of [
    ["http://charts.example.com", "charts.repository_scheme"],
    ["http://localhost.example.com", "charts.repository_scheme"],
    ["https://charts.example.com/my charts", "charts.repository_whitespace"],
    [" https://charts.example.com", "charts.repository_scheme"],
    ["https://", "charts.repository_url"],
    ["https://bob@charts.example.com", "charts.repository_credentials"],
  ] as const) {
    it(`refuses ${JSON.stringify(repo)} (${code})`, () => {
      assert.ok(codes(withRepo(repo)).includes(code), JSON.stringify(listOf(withRepo(repo))));
    });
  }
  it("a URL with any query is refused: tokens and signatures go there, and none is ever printed or written", async () => {
    const secret = "Tok3n-5ecret";
    const out = mkdtempSync(join(tmpdir(), "planton-query-"));
    for (const repo of [
      `https://charts.example.com/istio?token=${secret}`,
      `https://charts.example.com/istio/?access_token=${secret}&x=1`,
      `https://bucket.s3.amazonaws.com/charts?X-Amz-Credential=a&X-Amz-Signature=${secret}`,
      `https://acct.blob.core.windows.net/charts?sv=2024&sig=${secret}`,
      `oci://registry.example.com/istio?auth=${secret}`,
      `http://127.0.0.1:8879/charts?${secret}`,
      `https://charts.example.com/istio#token=${secret}`,
      `oci://registry.example.com/istio#${secret}`,
    ]) {
      const r = withRepo(repo);
      assert.ok(codes(r).includes("charts.repository_query"), JSON.stringify(listOf(r)));
      assert.doesNotMatch(JSON.stringify(listOf(r)), new RegExp(secret));
      const set = `spec.charts.repository=${repo}`;
      for (const args of [
        ["validate", "-f", "-", "--set", set],
        ["validate", "-o", "json", "-f", "-", "--set", set],
        ["render", "-o", "json", "-f", "-", "--set", set],
        ["render", "-f", "-", "--output-dir", out, "--set", set],
      ]) {
        const cli = await runCli(args, { stdin: `${header}spec: {}\n` });
        assert.equal(cli.code, 2, args.join(" "));
        assert.doesNotMatch(cli.stdout + cli.stderr, new RegExp(secret), args.join(" "));
      }
    }
    assert.deepEqual(readdirSync(out), [], "nothing written for GitOps");
    rmSync(out, { recursive: true });
  });
  it("a directory whose name holds a ? is a directory, not a query", () => {
    const dir = mkdtempSync(join(tmpdir(), "planton-charts?-"));
    const r = withRepo(dir);
    assert.equal(r.kind, "ok", JSON.stringify(listOf(r)));
    rmSync(dir, { recursive: true });
  });
  it("credentials in the URL are refused and never printed", async () => {
    const secret = "s3cr3t-Pa55";
    for (const repo of [
      `https://bob:${secret}@charts.example.com/istio`,
      `oci://bob:${secret}@r.example.com/x`,
    ]) {
      const r = withRepo(repo);
      const hit = listOf(r).find((d) => d.code === "charts.repository_credentials");
      assert.ok(hit, JSON.stringify(listOf(r)));
      assert.ok(hit.hint?.includes("helm"));
      assert.doesNotMatch(JSON.stringify(listOf(r)), new RegExp(secret));
    }
    const set = `spec.charts.repository=https://bob:${secret}@charts.example.com`;
    const viaSet = load(`${header}spec: {}\n`, [set]);
    assert.ok(codes(viaSet).includes("charts.repository_credentials"));
    assert.doesNotMatch(JSON.stringify(listOf(viaSet)), new RegExp(secret));
    const cli = await runCli(["validate", "-f", "-", "--set", set], { stdin: `${header}spec: {}\n` });
    assert.equal(cli.code, 2);
    assert.doesNotMatch(cli.stdout + cli.stderr, new RegExp(secret));
  });
});

describe("versions are semver without leading zeros", () => {
  for (const v of ["1.029.06", "01.29.6", "1.29.06", "00.1.0"]) {
    it(`refuses ${v}`, () => {
      assert.ok(codes(load(`${header}spec:\n  version: "${v}"\n`)).includes("string.pattern"));
      const rev = load(`${header}spec:\n  revisions: [{name: a, version: "${v}"}]\n`);
      assert.ok(codes(rev).includes("string.pattern"), JSON.stringify(listOf(rev)));
    });
  }
  it("refuses numbers too large to compare", () => {
    assert.ok(
      codes(load(`${header}spec:\n  version: "1.30.${"9".repeat(20)}"\n`)).includes("version.invalid"),
    );
  });
  it("parseVersion and compareVersions follow semver", () => {
    assert.deepEqual(parseVersion("1.30.3"), { major: 1, minor: 30, patch: 3 });
    for (const v of ["1.029.06", "01.29.6", "v1.30.3", "1.30.3-rc.1", "1.30", " 1.30.3"])
      assert.equal(parseVersion(v), undefined, v);
    assert.ok(compareVersions("1.30.3", "1.9.10") > 0);
    assert.ok(compareVersions("1.29.10", "1.29.9") > 0);
    assert.equal(compareVersions("1.30.3", "1.30.3"), 0);
    assert.equal(minorDistance("1.28.0", "1.30.3"), 2);
  });
});

describe("one way to build a diagnostic", () => {
  it("src/manifest builds no Diagnostic object literal outside diagnostic.ts", () => {
    const dir = join(root, "src", "manifest");
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".ts") && x !== "diagnostic.ts")) {
      const text = readFileSync(join(dir, f), "utf8");
      assert.doesNotMatch(text, /severity: "(error|warning)",/, `${f} builds a Diagnostic by hand`);
    }
  });
});

describe("images.hub is a registry path, never a carrier of credentials", () => {
  const withHub = (hub: string) => load(`${header}spec:\n  images:\n    hub: ${JSON.stringify(hub)}\n`, []);
  for (const hub of [
    "registry.example.com/istio",
    "localhost:5000/istio",
    "docker.io/istio",
    "gcr.io/istio-release",
    "[::1]:5000/a/b_c",
    "istio",
  ]) {
    it(`accepts ${hub}`, () => {
      const r = withHub(hub);
      assert.equal(r.kind, "ok", JSON.stringify(listOf(r)));
    });
  }
  it("refuses a user name, password, token or digest, positioned, and never prints it", async () => {
    const secret = "Hub-5ecret-Tok3n";
    for (const hub of [
      `bob:${secret}@registry.example.com/istio`,
      `registry.example.com/istio?token=${secret}`,
      `registry.example.com/istio#${secret}`,
      `registry.example.com/password=${secret}`,
    ]) {
      const r = withHub(hub);
      const hit = listOf(r).find((d) => d.code === "images.hub_credentials");
      assert.ok(hit, JSON.stringify(listOf(r)));
      assert.equal(hit.line, 7);
      assert.doesNotMatch(JSON.stringify(listOf(r)), new RegExp(secret));
      const set = `spec.images.hub=${hub}`;
      for (const args of [
        ["validate", "-o", "json", "-f", "-", "--set", set],
        ["render", "-o", "json", "-f", "-", "--set", set],
      ]) {
        const cli = await runCli(args, { stdin: `${header}spec: {}\n` });
        assert.equal(cli.code, 2, args.join(" "));
        assert.doesNotMatch(cli.stdout + cli.stderr, new RegExp(secret), args.join(" "));
      }
    }
  });
  it("refuses what no image reference can be (upper-case path parts)", () => {
    assert.ok(codes(withHub("registry.example.com/Istio")).includes("images.hub_reference"));
  });
});
