/**
 * Entry of the V8 startup snapshot that makes the offline commands (`validate`, `render`,
 * `schema`, `version`, `--help`) start in about twice Node's own start-up time: the snapshot
 * holds every module already evaluated and the validator's rules already compiled. Built by
 * scripts/build.mjs with `node --build-snapshot`; bin/planton uses it only for those commands
 * and only with the Node.js binary that built it.
 */
import { writeSync } from "node:fs";
import { isatty } from "node:tty";
import { startupSnapshot } from "node:v8";
import type { Io } from "./cli/io.js";
import { loadManifest } from "./manifest/load.js";
import { readProcessStdin } from "./manifest/source.js";
import { planIstio } from "./istio/plan.js";
import { planToYaml } from "./output/plan.js";
import { noteStdoutError, run, stdoutFailed } from "./main.js";
import "./cli/commands/validate.js";
import "./cli/commands/render.js";
import "./cli/commands/schema.js";
import "./cli/commands/convert.js";

// warm the validator (it compiles its CEL and pattern rules on first use), the planner
const warm = `apiVersion: kubernetes.project-planton.org/v1
kind: KubernetesIstio
metadata: {name: warm-up}
spec:
  controlPlane: {replicas: 2, resources: {requests: {cpu: 500m, memory: 1Gi}}}
  ingressGateways: [{name: gw, autoscaling: {minReplicas: 2}}]
  egressGateways: [{name: eg}]
  revisions: [{name: a, version: "1.30.3"}]
  images: {hub: registry.example.com/istio, pullSecrets: [regcred]}
  meshConfig: {trustDomain: example.org, accessLogEncoding: JSON}
  multiCluster: {meshId: m, clusterName: c, network: n}
  targetCluster: {context: x}
  mtls: {mode: STRICT}
`;
const loaded = loadManifest({ file: "-", readStdin: () => Buffer.from(warm) });
// and render's YAML writer (compiled on first use too: ~40 ms of render's start)
if (loaded.kind === "ok") planToYaml(planIstio(loaded.manifest));

/**
 * Writes all of `text` to a file descriptor, waiting out a full non-blocking pipe. A failure
 * (closed, full, reader gone) ends writing to it; for standard output, run() reports it.
 */
function writeAll(fd: number, text: string): void {
  if (fd === 1 && stdoutFailed()) return;
  let buf = Buffer.from(text);
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(fd, buf));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EAGAIN") continue;
      if (fd === 1) noteStdoutError(err as NodeJS.ErrnoException);
      return;
    }
  }
}

startupSnapshot.setDeserializeMainFunction(async () => {
  // process.stdout and process.stderr may come out of a snapshot bound to the streams of the
  // build; write to the descriptors directly instead
  const io: Io = {
    stdout: (s) => writeAll(1, s),
    stderr: (s) => writeAll(2, s),
    stdinIsTTY: isatty(0),
    stderrIsTTY: isatty(2),
    env: process.env,
    cwd: process.cwd(),
    readStdin: readProcessStdin,
  };
  // bin/planton passes a script name before the arguments, so argv is [node, script, ...arguments]
  const code = await run(process.argv, io);
  process.exit(code);
});
