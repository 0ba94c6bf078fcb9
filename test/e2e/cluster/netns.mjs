// Runs a command in a network namespace of its own, where the harness's pod addresses are local:
// `lo` is brought up and the pod range (10.244.0.0/16, the harness's POD_CIDR) is added to it, so
// every pod IP kwok hands out can be bound by one process and dialled by another, and nothing in
// the namespace reaches any other address (there is no other interface). The namespace lives as
// long as the command: nothing is mounted or named, so nothing is left on the host.
//
//   import { runInNetns } from "./netns.mjs";
//   const { code, output } = await runInNetns(process.execPath, ["x.js"], { env, onOutput });
//
// Needs root (unshare -n) and iproute2's `ip`. Used by the traffic-calls suite (issue 28, level 3).
import { execFileSync, spawn } from "node:child_process";

/** The range added to the namespace's `lo`: the harness's pod CIDR. */
export const POD_RANGE = "10.244.0.1/16";

/** Why the namespace cannot be made here ("" when it can): not root, or no unshare / ip. */
export function netnsUnavailable() {
  if (process.getuid?.() !== 0) return "needs root (unshare -n)";
  for (const tool of ["unshare", "ip"])
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      return `${tool} is not on PATH`;
    }
  return "";
}

// sh inside the new namespace: lo up, the pod range on it, then the command itself
const SETUP = `ip link set lo up && ip addr add ${POD_RANGE} dev lo && exec "$@"`;

/**
 * Spawns `cmd args` in a new network namespace (see the file header). Options: env, cwd,
 * onOutput(chunk) (stdout and stderr as they come). Resolves to { code, signal, output }.
 */
export function runInNetns(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn("unshare", ["--net", "--", "sh", "-c", SETUP, "netns", cmd, ...args], {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const take = (chunk) => {
      output += chunk;
      opts.onOutput?.(chunk);
    };
    child.stdout.setEncoding("utf8").on("data", take);
    child.stderr.setEncoding("utf8").on("data", take);
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, output }));
  });
}
