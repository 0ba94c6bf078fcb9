import type { Values } from "../../istio/merge.js";
import type { Component } from "../../istio/types.js";

import type { KubeObject } from "../../cluster/adopt-reads.js";

/**
 * What discovery makes of the objects `planton adopt` reads from a cluster (the reads and their
 * shape are in src/cluster/adopt-reads.ts). Recorded objects in, so every step after the reads
 * is pure and tested on fixtures.
 */

export type { ClusterObjects, KubeObject } from "../../cluster/adopt-reads.js";

/** One Helm release: its newest record. */
export interface LiveRelease {
  name: string;
  namespace: string;
  /** Chart name (`base`, `istiod`, `gateway`, `cni`, `ztunnel`, or another chart). */
  chart: string;
  /** Chart version: the Istio version. */
  version: string;
  /** Helm's revision number of the newest record. */
  helmRevision: number;
  /** `deployed`, `failed`, `pending-install`, `pending-upgrade`, `pending-rollback`… */
  status: string;
  /** The values the user gave (the record's `config`), not the chart's defaults. */
  values: Values;
  /** planton's component for the chart; undefined for a chart that is not Istio's. */
  component: Component | undefined;
  /** The istiod revision it belongs to (`values.revision`, "" for none). */
  istioRevision: string;
}

/** A revision tag: its `istio-revision-tag-<name>` webhook. */
export interface LiveTag {
  name: string;
  /** The revision it points at (the webhook's `istio.io/rev` label). */
  revision: string;
  /** Who owns the webhook: a Helm release's name, `planton`, or `istioctl` (no Helm metadata). */
  owner: { kind: "helm"; release: string; namespace: string } | { kind: "planton" } | { kind: "istioctl" };
}

/** A namespace whose labels select a data plane (injection or ambient). */
export interface LiveMember {
  name: string;
  injection: "SIDECAR" | "AMBIENT" | "DISABLED";
  /** `istio.io/rev` (a revision or a tag), "" for the default. */
  revision: string;
}

/** The objects istioctl installed for one of its components. */
export interface IstioctlComponent {
  /** istioctl's name: Base, Pilot, IngressGateways, EgressGateways, Cni, Ztunnel. */
  component: string;
  /** planton's chart for it; undefined when planton has none. */
  chart: Component | undefined;
  /** `istio.io/rev` of its objects ("" or `default` for the unrevisioned one). */
  revision: string;
  /** `operator.istio.io/version` of its objects, when they carry it. */
  version: string;
  objects: KubeObject[];
}

/** The live mesh, as discovery found it. */
export interface LiveMesh {
  /** Istio's Helm releases (newest record of each), in a stable order. */
  releases: LiveRelease[];
  tags: LiveTag[];
  members: LiveMember[];
  /** The mesh-wide PeerAuthentication (`default` in the control plane's namespace, no selector). */
  peerAuthentication?: { namespace: string; mode: string; labels: Record<string, string> };
  /** What istioctl installed, by component (empty for a Helm-installed mesh). */
  istioctl: IstioctlComponent[];
  /** Objects planton's labels mark (`app.kubernetes.io/managed-by: planton`), as `Kind ns/name`. */
  plantonMarked: string[];
}
