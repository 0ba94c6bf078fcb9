import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ResolvedCluster, resolveCluster } from "../../src/cluster/kubeconfig.js";
import { gzipSync } from "node:zlib";

/** A Kubernetes object as the stand-in API stores it. @internal */
export interface FakeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** `resource` as a path names it → where it lives in the store. */
const resources: Record<string, { kind: string; namespaced: boolean }> = {
  configmaps: { kind: "ConfigMap", namespaced: true },
  pods: { kind: "Pod", namespaced: true },
  secrets: { kind: "Secret", namespaced: true },
  services: { kind: "Service", namespaced: true },
  namespaces: { kind: "Namespace", namespaced: false },
  deployments: { kind: "Deployment", namespaced: true },
  statefulsets: { kind: "StatefulSet", namespaced: true },
  daemonsets: { kind: "DaemonSet", namespaced: true },
  mutatingwebhookconfigurations: { kind: "MutatingWebhookConfiguration", namespaced: false },
  validatingwebhookconfigurations: { kind: "ValidatingWebhookConfiguration", namespaced: false },
  customresourcedefinitions: { kind: "CustomResourceDefinition", namespaced: false },
  validatingadmissionpolicies: { kind: "ValidatingAdmissionPolicy", namespaced: false },
};

/** Parses `/api/v1/namespaces/ns/configmaps/name` and `/apis/g/v/configmaps` alike. */
function parsePath(path: string): { resource: string; namespace?: string; name?: string } | undefined {
  const parts = path.split("/").filter((p) => p !== "");
  const rest = parts[0] === "api" ? parts.slice(2) : parts.slice(3);
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest.splice(0, 2);
  }
  const [resource, name] = rest;
  if (resource === undefined || resources[resource] === undefined) return undefined;
  return {
    resource,
    ...(namespace === undefined ? {} : { namespace }),
    ...(name === undefined ? {} : { name }),
  };
}

/** `a=b,c` label selectors (equality and existence), as planton sends them. */
function matchesLabels(o: FakeObject, selector: string | null): boolean {
  if (!selector) return true;
  const labels = o.metadata.labels ?? {};
  return selector.split(",").every((term) => {
    const [k, v] = term.split("=");
    return v === undefined ? k !== undefined && k in labels : labels[k ?? ""] === v;
  });
}

/**
 * A stand-in Kubernetes API for wiring tests: answers /version, lists, reads and deletes the
 * objects it is given (label and `metadata.name` field selectors), returns empty lists for
 * everything else, and answers 403 for paths matching `forbid`. It proves what planton asks and
 * deletes, not how a cluster behaves.
 * @internal
 */
export async function startFakeKubeApi(
  options: {
    minor?: string;
    deployments?: unknown[];
    objects?: FakeObject[];
    forbid?: RegExp;
    /** SelfSubjectAccessReviews: true for the resource attributes the user may not use (default: all allowed). */
    deny?: (attributes: Record<string, string>) => boolean;
    /** SelfSubjectRulesReviews: the resource rules of a namespace (default: not served, 404). */
    rules?: (namespace: string) => unknown[];
  } = {},
) {
  const requests: string[] = [];
  const store = new Map<string, FakeObject>();
  const key = (resource: string, namespace: string | undefined, name: string) =>
    `${resource}/${namespace ?? ""}/${name}`;
  const add = (resource: string, o: FakeObject) =>
    store.set(key(resource, o.metadata.namespace, o.metadata.name), o);
  for (const d of (options.deployments ?? []) as FakeObject[]) add("deployments", d);
  for (const o of options.objects ?? []) {
    const resource = Object.entries(resources).find(([, r]) => r.kind === o.kind)?.[0];
    if (resource === undefined) throw new Error(`fake API: unknown kind ${o.kind}`);
    add(resource, o);
  }
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.setHeader("content-type", "application/json");
    const url = new URL(req.url ?? "/", "http://x");
    const send = (status: number, body: unknown) => {
      res.statusCode = status;
      res.end(JSON.stringify(body));
    };
    const status = (code: number, reason: string, message: string) =>
      send(code, { kind: "Status", apiVersion: "v1", status: "Failure", reason, message, code });
    if (options.forbid?.test(url.pathname))
      return status(403, "Forbidden", `forbidden: User "test" cannot access ${url.pathname}`);
    if (url.pathname.endsWith("/selfsubjectaccessreviews") && req.method === "POST") {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      req.on("end", () => {
        const review = JSON.parse(body) as { spec?: { resourceAttributes?: Record<string, string> } };
        const attributes = review.spec?.resourceAttributes ?? {};
        send(201, { ...review, status: { allowed: !(options.deny?.(attributes) ?? false) } });
      });
      return;
    }
    const rules = options.rules;
    if (url.pathname.endsWith("/selfsubjectrulesreviews") && req.method === "POST" && rules) {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      req.on("end", () => {
        const review = JSON.parse(body) as { spec?: { namespace?: string } };
        const resourceRules = rules(review.spec?.namespace ?? "");
        send(201, { ...review, status: { resourceRules, nonResourceRules: [], incomplete: false } });
      });
      return;
    }
    if (url.pathname.startsWith("/version")) {
      const minor = options.minor ?? "34";
      return send(200, { major: "1", minor, gitVersion: `v1.${minor}.1` });
    }
    const p = parsePath(url.pathname);
    if (p === undefined) {
      if (req.method === "GET") return send(200, { kind: "List", apiVersion: "v1", metadata: {}, items: [] });
      return status(404, "NotFound", "not found");
    }
    if (p.name !== undefined) {
      const k = key(p.resource, p.namespace, p.name);
      const o = store.get(k);
      if (o === undefined) return status(404, "NotFound", `${p.resource} "${p.name}" not found`);
      if (req.method === "DELETE") {
        store.delete(k);
        return send(200, { kind: "Status", apiVersion: "v1", status: "Success" });
      }
      return send(200, o);
    }
    const fieldName = url.searchParams.get("fieldSelector")?.match(/^metadata\.name=(.+)$/)?.[1];
    const items = [...store.entries()]
      .filter(([k]) => k.startsWith(`${p.resource}/`))
      .map(([, o]) => o)
      .filter((o) => p.namespace === undefined || o.metadata.namespace === p.namespace)
      .filter((o) => fieldName === undefined || o.metadata.name === fieldName)
      .filter((o) => matchesLabels(o, url.searchParams.get("labelSelector")));
    // `limit` and `continue` page a list the way the API server does (the token is an offset here)
    const limit = Number(url.searchParams.get("limit") ?? 0);
    const from = Number(url.searchParams.get("continue") ?? 0);
    const page = limit > 0 ? items.slice(from, from + limit) : items;
    const more = limit > 0 && from + limit < items.length;
    return send(200, {
      kind: "List",
      apiVersion: "v1",
      metadata: more ? { continue: String(from + limit) } : {},
      items: page,
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** Names (`resource/namespace/name`) of the objects still stored. */
    stored: () => [...store.keys()].sort(),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Writes a kubeconfig with one context `test-ctx` pointing at `server`. @internal */
export function writeKubeconfig(dir: string, server: string, token = "not-a-real-token"): string {
  const path = join(dir, "kubeconfig");
  writeFileSync(
    path,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster: {server: "${server}", insecure-skip-tls-verify: true}\nusers:\n- name: test\n  user: {token: ${token}}\ncontexts:\n- name: test-ctx\n  context: {cluster: test, user: test}\n- name: other-ctx\n  context: {cluster: test, user: test}\ncurrent-context: test-ctx\n`,
  );
  return path;
}

/**
 * Helm's storage record (Secret `sh.helm.release.v1.<name>.v1` in istio-system) of a deployed
 * release of `chart` at `version`, as the stand-in API serves it. @internal
 */
export function helmRecord(name: string, chart: string, version: string): FakeObject {
  return {
    kind: "Secret",
    metadata: {
      name: `sh.helm.release.v1.${name}.v1`,
      namespace: "istio-system",
      labels: { owner: "helm", name, status: "deployed", version: "1" },
    },
    data: {
      release: Buffer.from(
        gzipSync(Buffer.from(JSON.stringify({ chart: { metadata: { name: chart, version } } }))).toString(
          "base64",
        ),
      ).toString("base64"),
    },
  };
}

const webhook = (path: string) => ({
  name: `rev${path.replaceAll("/", ".")}.istio.io`,
  admissionReviewVersions: ["v1"],
  sideEffects: "None",
  clientConfig: {
    service: { name: "istiod", namespace: "istio-system", path },
    caBundle: Buffer.from("ca").toString("base64"),
  },
});

/**
 * What a healthy istiod leaves beside its Deployment, as the stand-in API serves it: an
 * established Istio CRD, the sidecar injector's and the default validator's webhooks. @internal
 */
export function istiodWebhooksAndCrd(): FakeObject[] {
  return [
    {
      kind: "CustomResourceDefinition",
      metadata: { name: "virtualservices.networking.istio.io" },
      spec: { group: "networking.istio.io" },
      status: { conditions: [{ type: "Established", status: "True" }] },
    },
    {
      kind: "MutatingWebhookConfiguration",
      metadata: { name: "istio-sidecar-injector", labels: { app: "sidecar-injector" } },
      webhooks: [webhook("/inject")],
    },
    {
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: "istiod-default-validator", labels: { app: "istiod" } },
      webhooks: [webhook("/validate")],
    },
  ];
}

/** The resolved cluster of a kubeconfig naming `url` only (no manifest settings), as commands resolve it. */
export function clusterAt(url: string): ResolvedCluster {
  return resolveCluster(
    {
      kubeconfigFlag: writeKubeconfig(mkdtempSync(join(tmpdir(), "planton-fake-kube-")), url),
      manifestKubeconfig: "",
      manifestContext: "",
      manifestClusterName: "",
      cwd: "/",
    },
    {},
  );
}
