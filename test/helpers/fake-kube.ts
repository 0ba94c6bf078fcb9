import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";

/**
 * A stand-in Kubernetes API for wiring tests: answers /version, returns empty lists for every
 * other GET and 404 for deletes. It proves what planton asks, not how a cluster behaves.
 * @internal
 */
export async function startFakeKubeApi(options: { minor?: string; deployments?: unknown[] } = {}) {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.setHeader("content-type", "application/json");
    if (req.url?.startsWith("/version")) {
      res.end(
        JSON.stringify({
          major: "1",
          minor: options.minor ?? "34",
          gitVersion: `v1.${options.minor ?? "34"}.1`,
        }),
      );
    } else if (req.method === "GET" && req.url?.includes("/deployments")) {
      res.end(
        JSON.stringify({
          kind: "DeploymentList",
          apiVersion: "apps/v1",
          metadata: {},
          items: options.deployments ?? [],
        }),
      );
    } else if (req.method === "GET") {
      res.end(JSON.stringify({ kind: "List", apiVersion: "v1", metadata: {}, items: [] }));
    } else {
      res.statusCode = 404;
      res.end(
        JSON.stringify({
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          reason: "NotFound",
          code: 404,
        }),
      );
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Writes a kubeconfig with one context `test-ctx` pointing at `server`. @internal */
export function writeKubeconfig(dir: string, server: string): string {
  const path = join(dir, "kubeconfig");
  writeFileSync(
    path,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster: {server: "${server}", insecure-skip-tls-verify: true}\nusers:\n- name: test\n  user: {token: not-a-real-token}\ncontexts:\n- name: test-ctx\n  context: {cluster: test, user: test}\n- name: other-ctx\n  context: {cluster: test, user: test}\ncurrent-context: test-ctx\n`,
  );
  return path;
}
