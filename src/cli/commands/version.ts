import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import pkg from "../../../package.json" with { type: "json" };
import { defaultIstioVersion } from "../../istio/versions.js";
import type { CommandContext } from "../io.js";
import { findPulumiCli } from "../../pulumi/cli-path.js";

/** Reads an installed package's version without loading the package itself. */
function packageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    const path = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

function cliVersion(path: string | undefined): Promise<string> {
  if (path === undefined) return Promise.resolve("not found");
  return new Promise((resolve) => {
    execFile(path, ["version"], { timeout: 5000 }, (err, stdout) => {
      resolve(err ? "not working" : stdout.trim() || "unknown");
    });
  });
}

/** `planton version`: planton, the default Istio version, the Pulumi SDK and CLI versions. */
export async function printVersion(options: { output: "text" | "json" }, ctx: CommandContext): Promise<void> {
  const cli = findPulumiCli(ctx.io.env);
  const info = {
    planton: pkg.version,
    istio: defaultIstioVersion,
    pulumiSdk: packageVersion("@pulumi/pulumi"),
    pulumiKubernetes: packageVersion("@pulumi/kubernetes"),
    pulumiCli: await cliVersion(cli?.binary),
    node: process.versions.node,
  };
  if (options.output === "json") {
    ctx.io.stdout(`${JSON.stringify(info, null, 2)}\n`);
    return;
  }
  ctx.io.stdout(
    [
      `planton            ${info.planton}`,
      `istio (default)    ${info.istio}`,
      `pulumi sdk         ${info.pulumiSdk}`,
      `pulumi kubernetes  ${info.pulumiKubernetes}`,
      `pulumi cli         ${info.pulumiCli}${cli ? ` (${cli.binary})` : ""}`,
      `node               ${info.node}`,
      "",
    ].join("\n"),
  );
}
