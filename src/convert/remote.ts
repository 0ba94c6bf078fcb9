import type { Context } from "./context.js";
import { show, type Source } from "./source.js";

/** What `convertRemote` read from the remote profile's values, for `finishRemote`. */
export interface RemoteInput {
  /** The primary's address (`values.global.remotePilotAddress`). */
  address?: string;
  /** Cluster and network named by `values.istiodRemote.injectionPath`, and its path. */
  fromPath?: { cluster: string; network: string | undefined; path: string };
}

/** A host name or an IP address without a port: what `multiCluster.primary.address` takes. */
const hostPattern = /^([a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

/** Placeholders for what an IstioOperator cannot say; each is noted as not converted. */
export const primaryNamePlaceholder = "PRIMARY-CLUSTER-NAME";
const addressPlaceholder = "PRIMARY-ADDRESS";
const clusterPlaceholder = "THIS-CLUSTER-NAME";

/**
 * `profile: remote` (a remote cluster of a primary-remote mesh). istioctl points the remote
 * injector at the primary's istiod with `values.global.remotePilotAddress` and
 * `values.istiodRemote.injectionPath` (`/inject/cluster/<cluster>/net/<network>`); planton's
 * `profile: remote` takes the address as `multiCluster.primary.address` and the cluster and
 * network as `multiCluster.clusterName` and `network`. Runs before the values are read.
 */
export function convertRemote(ctx: Context, src: Source): RemoteInput {
  const out: RemoteInput = {};
  if (ctx.profile !== "remote") return out;
  const g = ["values", "global"];
  const address = src.takeString(...g, "remotePilotAddress");
  if (address !== undefined && hostPattern.test(address)) out.address = address;
  else if (address !== undefined)
    ctx.notes.dropped(
      src.at(...g, "remotePilotAddress"),
      `${show(address)} is not a host name or IP address without a port; multiCluster.primary.address needs one`,
    );
  const path = src.takeString("values", "istiodRemote", "injectionPath");
  const m = path === undefined ? null : /^\/inject\/cluster\/([^/]+)(?:\/net\/([^/]+))?\/?$/.exec(path);
  if (m?.[1] !== undefined)
    out.fromPath = { cluster: m[1], network: m[2], path: src.at("values", "istiodRemote", "injectionPath") };
  else if (path !== undefined)
    ctx.notes.dropped(
      src.at("values", "istiodRemote", "injectionPath"),
      `${show(path)}: planton's injector path is /inject/cluster/<clusterName>[/net/<network>], from multiCluster`,
    );
  if (src.take("values", "istiodRemote", "injectionURL") !== undefined)
    ctx.notes.dropped(
      src.at("values", "istiodRemote", "injectionURL"),
      "planton's remote cluster reaches the injector through multiCluster.primary.address (the primary's east-west gateway)",
    );
  if (src.takeBool("values", "istiodRemote", "enabled") === false)
    ctx.notes.dropped(
      src.at("values", "istiodRemote", "enabled"),
      "planton's profile: remote always installs the remote injector",
    );
  src.takeBool("components", "pilot", "enabled"); // the remote profile renders istiod's remote part only
  return out;
}

/**
 * After every other field: the cluster name and network from the injection path where the values
 * do not give them, placeholders for what cannot be derived (noted), and the fields planton's
 * remote profile refuses (the primary's istiod decides them) left out with a note.
 */
export function finishRemote(ctx: Context, input: RemoteInput): void {
  if (ctx.profile !== "remote") return;
  const mc = ctx.section("multiCluster");
  const p = input.fromPath;
  for (const [key, fromPath] of [
    ["clusterName", p?.cluster],
    ["network", p?.network],
  ] as const) {
    if (p === undefined || fromPath === undefined) continue;
    if (mc[key] === undefined) {
      mc[key] = fromPath;
      ctx.notes.changed(
        p.path,
        `written as multiCluster.${key}: ${fromPath} (planton derives the path from it)`,
      );
    } else if (mc[key] !== fromPath)
      ctx.notes.dropped(
        p.path,
        `names ${key === "clusterName" ? "cluster" : "network"} ${fromPath}, but multiCluster.${key} is ${String(mc[key])}; planton's injector path uses multiCluster.${key}`,
      );
  }
  const placeholder = (what: string, value: string, why: string) => {
    ctx.notes.dropped(ctx.profileOrigin, `${what} written as the placeholder ${value}: ${why}; replace it`);
    return value;
  };
  const clusterName =
    typeof mc.clusterName === "string"
      ? mc.clusterName
      : placeholder(
          "multiCluster.clusterName",
          clusterPlaceholder,
          "this cluster's name is in neither values.global.multiCluster.clusterName nor the injection path",
        );
  const primary = {
    clusterName: placeholder(
      "multiCluster.primary.clusterName",
      primaryNamePlaceholder,
      "an IstioOperator does not name the primary cluster (its multiCluster.clusterName)",
    ),
    address:
      input.address ??
      placeholder(
        "multiCluster.primary.address",
        addressPlaceholder,
        "values.global.remotePilotAddress (the primary's east-west gateway) is not set",
      ),
  };
  ctx.spec.multiCluster = { ...mc, clusterName, primary };
  dropPrimaryOnly(ctx);
}

/** Fields only the primary's istiod acts on, which planton refuses with profile: remote. */
function dropPrimaryOnly(ctx: Context): void {
  for (const key of ["controlPlane", "mtls", "meshConfig", "proxy", "cni"] as const) {
    const v = ctx.spec[key];
    if (v === undefined || Object.keys(v).length === 0) continue;
    delete ctx.spec[key];
    ctx.notes.dropped(
      ctx.profileOrigin,
      `${key} ${show(v)} left out: on a remote cluster the primary's istiod decides it; set it on the primary`,
    );
  }
  const revision = ctx.spec.revisions?.[0];
  if (revision !== undefined) {
    if (typeof revision.version === "string") ctx.spec.version = revision.version;
    delete ctx.spec.revisions;
    delete ctx.spec.defaultRevision;
    ctx.notes.dropped(
      ctx.profileOrigin,
      `revision ${show(revision.name)} left out: a remote cluster runs no istiod, so it has no revisions`,
    );
  }
}
