import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { runCli } from "./cli.js";
import { root } from "./paths.js";

/** The examples the GitOps goldens cover: each single manifest, and each multi-cluster set. @internal */
export const gitopsCases: [string, string[]][] = [
  ...["ca-istio-csr", "ca-plugin", "dev", "planton", "production", "staging"].map((n): [string, string[]] => [
    n,
    [`examples/${n}.yaml`],
  ]),
  ["canary-2-canary", ["examples/canary/2-canary.yaml"]],
  [
    "multi-primary",
    ["examples/multicluster/multi-primary/east.yaml", "examples/multicluster/multi-primary/west.yaml"],
  ],
  [
    "primary-remote",
    ["examples/multicluster/primary-remote/primary.yaml", "examples/multicluster/primary-remote/remote.yaml"],
  ],
];

/** Every regular file under `dir`, as relative path → text. @internal */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return out;
}

/** Runs `planton render --format … --output-dir <fresh dir>` from the repository root. @internal */
export async function renderGitopsTree(format: "argocd" | "flux", files: string[], extra: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), "planton-gitops-"));
  const args = ["render", ...files.flatMap((f) => ["-f", f]), "--format", format, "--output-dir", dir];
  args.push("--path", "clusters/mesh/istio", "--repo-url", "https://git.example.com/platform.git", ...extra);
  const r = await runCli(args, { cwd: root });
  return { ...r, dir, tree: r.code === 0 ? readTree(dir) : new Map<string, string>() };
}
