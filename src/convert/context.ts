import compareSemver from "semver/functions/compare.js";
import { minimumIstioVersion } from "../istio/versions.js";
import { isObject, type Json, type JsonObject, Notes, type Source, setIn } from "./source.js";

/** The charts `spec.helmValues` has a section for. */
export type Chart = "base" | "istiod" | "cni" | "ztunnel" | "gateway";

/** What the mappers build: the manifest's spec, field by field, in its JSON spelling. */
export interface SpecDraft {
  version?: string;
  profile?: string;
  namespace?: string;
  controlPlane?: JsonObject;
  ingressGateways?: JsonObject[];
  egressGateways?: JsonObject[];
  cni?: JsonObject;
  mtls?: JsonObject;
  meshConfig?: JsonObject;
  proxy?: JsonObject;
  multiCluster?: JsonObject;
  images?: JsonObject;
  revisions?: JsonObject[];
  defaultRevision?: string;
  observability?: JsonObject;
}

/** Shared state of one conversion. */
export class Context {
  readonly notes = new Notes();
  readonly spec: SpecDraft = {};
  readonly helm: Record<Chart, JsonObject> = { base: {}, istiod: {}, cni: {}, ztunnel: {}, gateway: {} };
  /** Every source read, so that what none of them used is reported at the end. */
  readonly sources: Source[] = [];
  /** Control-plane namespace, as the IstioOperator set it (istio-system when it did not). */
  namespace = "istio-system";
  /** planton profile: minimal | default | demo | ambient | remote. */
  profile = "default";
  /** The spec as given, untouched, to tell which paths the input has. */
  input: JsonObject = {};
  /** Where the profile was set (`spec.profile`, `spec.values.profile`); empty when implied. */
  profilePath = "";

  /** The IstioOperator paths among `candidates` (key lists) that the input has. */
  present(candidates: string[][]): string[] {
    return candidates
      .filter((keys) => {
        let cur: Json | undefined = this.input;
        for (const k of keys) cur = isObject(cur) ? cur[k] : undefined;
        return cur !== undefined;
      })
      .map((keys) => [this.prefix, ...keys].filter((k) => k !== "").join("."));
  }

  /** The path a note about the profile's implied settings names: the profile, or the spec. */
  get profileOrigin(): string {
    return this.profilePath || this.prefix || "spec";
  }

  constructor(
    /** `spec` for a full IstioOperator, `` for a bare spec fragment. */
    readonly prefix: string,
  ) {}

  /**
   * An IstioOperator image tag: a plain Istio version becomes `spec.version` (images follow
   * it, as they did); any other tag is `spec.images.tag`.
   */
  applyTag(tag: string, path: string): void {
    if (!/^\d+\.\d+\.\d+$/.test(tag)) {
      this.section("images").tag = tag;
      return;
    }
    if (compareSemver(tag, minimumIstioVersion) < 0) {
      this.notes.dropped(
        path,
        `Istio ${tag} is older than planton installs (${minimumIstioVersion} or newer); the manifest uses planton's default version`,
      );
      return;
    }
    this.spec.version = tag;
    this.notes.changed(path, `tag ${tag} written as spec.version (charts and images of Istio ${tag})`);
  }

  track<T extends Source>(s: T): T {
    this.sources.push(s);
    return s;
  }

  /** Sets a Helm value of one chart (maps merge with what is already there). */
  helmValue(chart: Chart, keys: string[], value: Json | undefined): void {
    setIn(this.helm[chart], keys, value);
  }

  /** The spec section `key`, created empty when absent. */
  section(
    key: "controlPlane" | "cni" | "mtls" | "meshConfig" | "proxy" | "multiCluster" | "images",
  ): JsonObject {
    const cur = this.spec[key];
    if (cur !== undefined) return cur;
    const created: JsonObject = {};
    this.spec[key] = created;
    return created;
  }
}

/** `version` wording for keys whose removal the reference material does not date. */
export const removedBefore124 = "removed in a release before 1.24";
