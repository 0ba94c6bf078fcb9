import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli } from "../../helpers/cli.js";
import { root } from "../../helpers/paths.js";

const work = mkdtempSync(join(tmpdir(), "planton-render-gitops-"));
after(() => rmSync(work, { recursive: true, force: true }));
const repo = ["--repo-url", "https://git.example.com/p.git"];
/** The two manifests of examples/multicluster/multi-primary, as -f arguments. */
const eastWest = ["east", "west"].flatMap((c) => ["-f", `examples/multicluster/multi-primary/${c}.yaml`]);
/** An export into folder x at path p, and the same as Flux. */
const toX = ["--output-dir", "x", "--path", "p"];
const fluxToX = ["--format", "flux", ...toX];
const render = (...args: string[]) => runCli(["render", ...args], { cwd: root });

describe("render --format: refusals (exit 2, nothing written)", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "argocd without --repo-url",
      ["-f", "examples/dev.yaml", "--format", "argocd", ...toX],
      /needs --repo-url/,
    ],
    ["no --output-dir", ["-f", "examples/dev.yaml", "--format", "flux"], /needs --output-dir/],
    ["--repo-url without --format", ["-f", "examples/dev.yaml", ...repo], /only apply with --format/],
    [
      "several -f without --format",
      ["-f", "examples/dev.yaml", "-f", "examples/staging.yaml"],
      /a second manifest: this command reads one .* unless --format exports several/,
    ],
    [
      "an absolute --output-dir without --path",
      ["-f", "examples/dev.yaml", "--format", "flux", "--output-dir", join(work, "abs")],
      /absolute/,
    ],
    [
      "a --path leaving the repository",
      ["-f", "examples/dev.yaml", "--format", "flux", "--output-dir", "x", "--path", "../up"],
      /leaves the repository/,
    ],
    [
      "a URL as Flux's destination",
      ["-f", "examples/dev.yaml", ...fluxToX, "--destination", "https://k.example.com"],
      /kubeconfig Secret/,
    ],
    [
      "a local chart directory",
      [
        "-f",
        "examples/dev.yaml",
        "--set",
        "spec.charts.repository=/work/shared/fixtures/istio-charts",
        ...fluxToX,
      ],
      /local archive/,
    ],
    [
      "several -f and a destination without its cluster",
      [...eastWest, "--format", "argocd", ...repo, ...toX, "--destination", "in-cluster"],
      /names its cluster/,
    ],
  ];
  for (const [name, args, message] of cases)
    it(name, async () => {
      const r = await render(...args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.ok(!existsSync(join(root, "x")));
    });
});

describe("render --format: the output directory", () => {
  it("a later export removes the files of releases the plan no longer has", async () => {
    const out = join(work, "stale");
    const args = ["--format", "argocd", ...repo, "--output-dir", out, "--path", "istio"];
    assert.equal((await render("-f", "examples/production.yaml", ...args)).code, 0);
    assert.ok(existsSync(join(out, "apps/istio-egressgateway.yaml")));
    const r = await render("-f", "examples/dev.yaml", ...args);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(join(out, "apps/istio-egressgateway.yaml")));
    assert.match(r.stderr, /removed \d+ stale files: .*apps\/istio-egressgateway\.yaml/);
  });

  it("--destination and --project reach every Application; several -f go to one folder per cluster", async () => {
    const out = join(work, "dest");
    const r = await render(
      ...eastWest,
      "--format",
      "argocd",
      ...repo,
      "--output-dir",
      out,
      "--path",
      "istio",
      "--project",
      "mesh",
      "--destination",
      "east=https://east.example.com:6443",
    );
    assert.equal(r.code, 0, r.stderr);
    const east = readFileSync(join(out, "east/apps/istiod.yaml"), "utf8");
    const west = readFileSync(join(out, "west/apps/istiod.yaml"), "utf8");
    assert.match(east, /project: mesh\n {2}destination:\n {4}server: https:\/\/east\.example\.com:6443\n/);
    assert.match(west, /destination:\n {4}name: west\n/);
    assert.match(readFileSync(join(out, "west/root.yaml"), "utf8"), /path: istio\/west\/apps\n/);
  });
});
