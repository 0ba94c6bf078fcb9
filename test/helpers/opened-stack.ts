import { openStacks } from "../../src/deploy/open.js";
import type { DeployIo, DeployRequest, Needs, StackFile } from "../../src/deploy/request.js";
import { readCaFacts } from "../../src/manifest/ca.js";
import { loadManifest } from "../../src/manifest/load.js";
import { root } from "./paths.js";

/** What a deploy verb told its stack's io. @internal */
export interface Told {
  info: string[];
  warn: string[];
  questions: string[];
  /** The codes of the gate's findings, each time they were told. */
  findings: string[][];
}

/**
 * An opened stack of `file` for calling a deploy verb directly (request in, result out), as
 * `runStacks` opens it: its settings, the state read started, its cluster, plan and remotes, all
 * from `env` (an engine fixture's: the stand-in pulumi and API). The question is answered
 * `answer`; what the verb tells is recorded in `told`. @internal
 */
export async function openedStack(
  file: string,
  env: NodeJS.ProcessEnv,
  options: { answer?: boolean; needs?: Needs } = {},
): Promise<{ req: DeployRequest; told: Told }> {
  const told: Told = { info: [], warn: [], questions: [], findings: [] };
  const [opened] = await openStacks(
    {
      stacks: [stackFile(file)],
      target: {},
      env,
      cwd: root,
      signal: new AbortController().signal,
      ioFor: recordingIo(told),
      needs: options.needs ?? { cluster: "required", readState: true },
    },
    async (_stack, question) => {
      told.questions.push(question);
      return options.answer ?? true;
    },
  );
  return { req: opened as DeployRequest, told };
}

/** A manifest file loaded as the CLI hands it to deploy (it must be valid). @internal */
export function stackFile(file: string): StackFile {
  const loaded = loadManifest({ file });
  if (loaded.kind !== "ok") throw new Error(`${file} does not load`);
  return { file, manifest: loaded.manifest, ca: readCaFacts(loaded.manifest), wave: 0 };
}

/** A stack's io that records what it is told into `told`. @internal */
export function recordingIo(told: Told): () => Omit<DeployIo, "confirm"> {
  return () => ({
    info: (line) => told.info.push(line),
    warn: (line) => told.warn.push(line),
    findings: (r) => told.findings.push(r.findings.map((f) => f.code)),
    secret: () => {},
  });
}
