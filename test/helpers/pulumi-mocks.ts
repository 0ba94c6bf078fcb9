import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { MockCallArgs } from "@pulumi/pulumi/runtime/index.js";
import type { InstallPlan } from "../../src/istio/types.js";
import { resolveCluster } from "../../src/cluster/kubeconfig.js";
import { type ClusterTarget, createIstioProgram } from "../../src/pulumi/program.js";
import type { RemoteTarget } from "../../src/pulumi/remotes.js";
import { programRemote } from "../../src/deploy/remotes.js";
import { startFakeKubeApi, writeKubeconfig } from "./fake-kube.js";

/** The token the stand-in remote cluster's token controller "issued" to every reader. @internal */
export const remoteReaderToken = "remote-reader-token-for-tests";

/**
 * The plan's remote clusters, all served by one stand-in API that holds each reader's issued
 * token Secret (what kube-controller-manager would write). @internal
 */
async function standInRemotes(
  plan: InstallPlan,
  servers: { close: () => Promise<void> }[],
): Promise<RemoteTarget[]> {
  if (plan.remotes.length === 0) return [];
  const api = await startFakeKubeApi({
    objects: plan.remotes.map((r) => ({
      kind: "Secret",
      metadata: { name: r.reader.tokenSecret, namespace: r.reader.namespace },
      data: { token: Buffer.from(remoteReaderToken).toString("base64") },
    })),
  });
  servers.push(api);
  const kubeconfigFlag = writeKubeconfig(mkdtempSync(join(tmpdir(), "planton-remote-")), api.url);
  const cluster = resolveCluster(
    { kubeconfigFlag, manifestKubeconfig: "", manifestContext: "", manifestClusterName: "", cwd: "/" },
    {},
  );
  return plan.remotes.map((r) => programRemote({ clusterName: r.clusterName, cluster }));
}

/** A resource the program registered under the mocks. @internal */
export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** The resource's arguments as the program passed them (Outputs kept, e.g. to check secrets). */
  props: Record<string, unknown>;
}

/**
 * Installs Pulumi's mocks for a test file (invokes answered by `call`) and returns `run`, which
 * runs the inline program of a plan and records every registration and its `dependsOn` edges
 * (by resource name). @internal
 */
export function usePulumiMocks(call: (args: MockCallArgs) => Record<string, unknown> = () => ({})) {
  const seen = {
    registered: [] as Registered[],
    edges: new Map<string, string[]>(),
    /** Secrets the program reported at run time (for redaction). */
    secrets: [] as string[],
    /** Resources registered with `retainOnDelete` (`type::name`). */
    retained: new Set<string>(),
    /** The `ignoreChanges` of each resource registered with some (`type::name`). */
    ignored: new Map<string, string[]>(),
  };
  const props = new Map<string, Record<string, unknown>>();
  const servers: { close: () => Promise<void> }[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));
  before(() => {
    pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          seen.registered.push({
            type: args.type,
            name: args.name,
            inputs: args.inputs,
            props: props.get(`${args.type}::${args.name}`) ?? {},
          });
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call,
      },
      "planton-kubernetes-istio",
      "test",
      false,
    );
  });
  /** Runs the program of `plan`; resolves its stack outputs once registrations have settled. */
  async function run(
    plan: InstallPlan,
    settle: () => boolean = () => true,
    target: Partial<ClusterTarget> = {},
    options: Parameters<typeof createIstioProgram>[2] = {},
  ): Promise<Record<string, unknown>> {
    seen.registered = [];
    seen.secrets = [];
    seen.retained.clear();
    seen.ignored.clear();
    seen.edges.clear();
    props.clear();
    const program = createIstioProgram(
      plan,
      {
        kubeconfig: "apiVersion: v1\nkind: Config\n",
        context: "test-ctx",
        remotes: await standInRemotes(plan, servers),
        secret: (v) => seen.secrets.push(v),
        ...target,
      },
      options,
    );
    const outputs = await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        const deps = (args.opts.dependsOn ?? []) as pulumi.Resource[];
        seen.edges.set(
          `${args.type}::${args.name}`,
          (Array.isArray(deps) ? deps : [deps]).map(
            (d) => (d as unknown as { __name?: string }).__name ?? "?",
          ),
        );
        props.set(`${args.type}::${args.name}`, args.props as Record<string, unknown>);
        if (args.opts.retainOnDelete === true) seen.retained.add(`${args.type}::${args.name}`);
        if (args.opts.ignoreChanges !== undefined)
          seen.ignored.set(`${args.type}::${args.name}`, args.opts.ignoreChanges);
        return undefined;
      });
      return program();
    });
    // registrations (and a chart's template invoke) complete asynchronously
    for (let i = 0; i < 100 && !settle(); i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    return (outputs ?? {}) as Record<string, unknown>;
  }
  return { seen, run };
}
