// The API server's audit log, for tests that must prove what a command wrote (or that it wrote
// nothing): startCluster({ audit: true }) runs kube-apiserver with a policy that records every
// create, update, patch, delete and deletecollection at Metadata level (who, what, which object,
// the response code; never a body) in <dir>/audit.log, and nothing else.
//
//   const mark = auditMark(cluster);
//   ... run planton ...
//   const writes = auditWrites(cluster, { since: mark });   // [] when it wrote nothing
//
// The log backend runs in blocking mode: a request's event is written before its response is
// complete, so once a client has its answer, the event is in the file.
import fs from "node:fs";
import path from "node:path";

const POLICY = [
  "apiVersion: audit.k8s.io/v1",
  "kind: Policy",
  "omitStages: [RequestReceived]",
  "rules:",
  "- level: Metadata",
  "  verbs: [create, update, patch, delete, deletecollection]",
  "- level: None",
  "",
].join("\n");

// Creates that store nothing: access and token reviews, token requests.
const NON_PERSISTING = new Set([
  "authorization.k8s.io/selfsubjectaccessreviews",
  "authorization.k8s.io/selfsubjectrulesreviews",
  "authorization.k8s.io/subjectaccessreviews",
  "authorization.k8s.io/localsubjectaccessreviews",
  "authentication.k8s.io/tokenreviews",
  "authentication.k8s.io/selfsubjectreviews",
  "/serviceaccounts/token",
]);

/** kube-apiserver flags for the audit log; sets cluster.auditLogPath. */
export function auditFlags(cluster) {
  const policy = path.join(cluster.dir, "audit-policy.yaml");
  fs.writeFileSync(policy, POLICY);
  cluster.auditLogPath = path.join(cluster.dir, "audit.log");
  return [
    `--audit-policy-file=${policy}`,
    `--audit-log-path=${cluster.auditLogPath}`,
    "--audit-log-format=json",
    "--audit-log-mode=blocking",
    "--audit-log-maxsize=0",
  ];
}

function logPath(cluster) {
  if (!cluster.auditLogPath) throw new Error("the cluster has no audit log: start it with { audit: true }");
  return cluster.auditLogPath;
}

/** A point in the audit log: every event completed after this call lies after it. */
export function auditMark(cluster) {
  const file = logPath(cluster);
  return { offset: fs.existsSync(file) ? fs.statSync(file).size : 0, time: new Date() };
}

/** One audit event as a flat record. */
function toWrite(e) {
  const ref = e.objectRef ?? {};
  const query = new URL(e.requestURI, "https://x").searchParams;
  return {
    time: e.requestReceivedTimestamp,
    user: e.user?.username ?? "",
    verb: e.verb,
    group: ref.apiGroup ?? "",
    version: ref.apiVersion ?? "",
    resource: ref.resource ?? "",
    subresource: ref.subresource ?? "",
    namespace: ref.namespace ?? "",
    name: ref.name ?? "",
    code: e.responseStatus?.code ?? 0,
    dryRun: query.getAll("dryRun").includes("All"),
    userAgent: e.userAgent ?? "",
    uri: e.requestURI,
  };
}

const isNonPersisting = (w) =>
  NON_PERSISTING.has(`${w.group}/${w.resource}`) ||
  NON_PERSISTING.has(`${w.group}/${w.resource}/${w.subresource}`);

/**
 * The write requests in the audit log between two marks (auditMark; `until` defaults to the end),
 * oldest first, as { time, user, verb, group, version, resource, subresource, namespace, name,
 * code, dryRun, userAgent, uri }. Filters, by default:
 * - users: only users whose name does not start with `system:` (the admin kubeconfig's user, i.e.
 *   the code under test; not the API server, the controllers, kwok, istiod or the harness).
 *   Pass `users: [name, ...]` to select others (a service account is system:serviceaccount:ns:name),
 *   or `users: "all"`.
 * - dry runs (`?dryRun=All`) and creates that store nothing (access and token reviews, token
 *   requests) are left out unless includeDryRun / includeNonPersisting.
 * Failed requests (code >= 400) are kept: an attempted write is reported as such.
 */
export function auditWrites(cluster, opts = {}) {
  const file = logPath(cluster);
  const start = opts.since?.offset ?? 0;
  const text = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
  const end = opts.until?.offset ?? text.length;
  const users = opts.users ?? "non-system";
  const wanted = (u) =>
    users === "all" ? true : users === "non-system" ? !u.startsWith("system:") : users.includes(u);
  const chunk = text.subarray(start, end);
  // a line still being written (another client's request) ends after the last newline
  return chunk
    .subarray(0, chunk.lastIndexOf(10) + 1)
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => toWrite(JSON.parse(l)))
    .filter((w) => wanted(w.user))
    .filter((w) => opts.includeDryRun || !w.dryRun)
    .filter((w) => opts.includeNonPersisting || !isNonPersisting(w));
}

/** "create configmaps default/name by user (201)", for assertion messages. */
export function formatWrite(w) {
  const what = w.subresource ? `${w.resource}/${w.subresource}` : w.resource;
  const where = w.namespace ? `${w.namespace}/${w.name}` : w.name;
  return `${w.verb} ${w.group ? `${what}.${w.group}` : what} ${where} by ${w.user} (${w.code}${w.dryRun ? ", dry run" : ""})`;
}
