import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach } from "node:test";
import { runCli } from "./cli.js";
import { type FakeObject, startFakeKubeApi, writeKubeconfig } from "./fake-kube.js";
import { root } from "./paths.js";

/** The recording stand-in for the `pulumi` executable. @internal */
export const fakePulumiBin = join(root, "test", "fixtures", "fake-pulumi", "bin");

/** One invocation of the stand-in CLI. @internal */
export interface FakeCall {
  args: string[];
  backend: string;
  passphrase: boolean;
}

/** Every work folder made by this test process, removed when it exits. */
const workFolders: string[] = [];
process.on("exit", () => {
  for (const w of workFolders) rmSync(w, { recursive: true, force: true });
});

/**
 * A fresh work folder for one wiring test: PLANTON_HOME, a kubeconfig for `apiUrl`, and the
 * stand-in CLI's folder (its calls, stacks and behaviour); removed when the test process exits.
 * @internal
 */
export function engineFixture(apiUrl: string) {
  const work = mkdtempSync(join(tmpdir(), "planton-runner-"));
  workFolders.push(work);
  const fake = join(work, "fake");
  mkdirSync(fake);
  process.env.FAKE_PULUMI_DIR = fake;
  const env: NodeJS.ProcessEnv = {
    PATH: `${fakePulumiBin}:${process.env.PATH}`,
    PLANTON_HOME: join(work, "home"),
    KUBECONFIG: writeKubeconfig(work, apiUrl),
    FAKE_PULUMI_DIR: fake,
    TMPDIR: join(work, "tmp"),
  };
  mkdirSync(join(work, "tmp"));
  const calls = (): FakeCall[] => {
    try {
      return readFileSync(join(fake, "calls.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as FakeCall);
    } catch {
      return [];
    }
  };
  return {
    work,
    env,
    calls,
    /** The commands run, `stack <sub>` for stack subcommands. */
    commands: () => calls().map((c) => (c.args[0] === "stack" ? `stack ${c.args[1]}` : (c.args[0] ?? ""))),
    behave: (b: object) => writeFileSync(join(fake, "behaviour.json"), JSON.stringify(b)),
    /** Makes the stack exist with these outputs (its releases become resources of its state). */
    seedStack: (name: string, outputs: object) => {
      mkdirSync(join(fake, "stacks"), { recursive: true });
      writeFileSync(join(fake, "stacks", `${name}.json`), JSON.stringify({ outputs }));
    },
    /** Where the embedded file backend keeps a stack's locks. */
    lockDir: (stack = "dev-mesh") =>
      join(work, "home", "state", ".pulumi", "locks", "organization", "planton-kubernetes-istio", stack),
  };
}

/** Outputs of a stack that installed istio-base and istiod at `version` in istio-system. @internal */
export function recordedOutputs(version: string, namespace = "istio-system") {
  return {
    namespace,
    version,
    revisions: [],
    defaultRevision: "",
    istiodService: `istiod.${namespace}.svc:15012`,
    gateways: [],
    releases: {
      "istio-base": {
        chart: "base",
        version,
        namespace,
        values: {
          defaultRevision: "default",
          global: { istioNamespace: namespace },
          base: { validationFailurePolicy: "Fail" },
        },
      },
      istiod: { chart: "istiod", version, namespace, values: { pilot: { replicaCount: 1 } } },
    },
  };
}

/**
 * The stand-ins of a wiring test file: one stand-in API for the file (`options` as
 * `startFakeKubeApi` takes them) and a fresh engine fixture for each test, through node:test's
 * hooks. Read `api` and `fx` inside the tests. @internal
 */
export function useStandIns(options: Parameters<typeof startFakeKubeApi>[0] = {}) {
  const s = {} as { api: FakeKubeApi; fx: EngineFixture };
  before(async () => {
    s.api = await startFakeKubeApi(options);
  });
  after(() => s.api.close());
  beforeEach(() => {
    s.fx = engineFixture(s.api.url);
  });
  return s;
}

/** One engine fixture (see `engineFixture`). @internal */
export type EngineFixture = ReturnType<typeof engineFixture>;
type FakeKubeApi = Awaited<ReturnType<typeof startFakeKubeApi>>;

/**
 * Runs planton once against its own stand-in API holding `objects` and a fresh stand-in engine:
 * what it printed, its exit code and the engine commands it ran. @internal
 */
export async function runOnStandIns(args: string[], objects: FakeObject[]) {
  const api = await startFakeKubeApi({ objects });
  try {
    const fx = engineFixture(api.url);
    const r = await runCli(args, { env: fx.env });
    return { ...r, commands: fx.commands() };
  } finally {
    await api.close();
  }
}
