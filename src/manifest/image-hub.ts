/**
 * `spec.images.hub` as a container runtime reads it: the repository part of an image reference
 * (`<hub>/pilot:<tag>`), so a host with an optional port, then lower-case path components. A
 * user name and password (`user:pass@registry…`), a query (`?token=…`) or anything else a
 * reference cannot hold is refused: no runtime could pull from it, and planton would print it
 * in every render and write it into every values file.
 */

/** One DNS label of a registry host (upper case allowed, as in the reference grammar). */
const LABEL = "[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?";
/** A registry host, a name or a bracketed IPv6 address, with an optional port. */
const HOST = `(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
/** A path component: lower-case letters and digits, separated by `.`, `_`, `__` or dashes. */
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REPOSITORY = new RegExp(`^(?:${HOST}/)?${COMPONENT}(?:/${COMPONENT})*$`);

export interface HubProblem {
  path: string;
  code: string;
  message: string;
  hint: string;
}

/**
 * The problem with a hub, if any. Empty hubs, and hubs the proto rules already refuse (spaces, a
 * scheme), are left to them. The message never repeats the value: it may hold a password.
 */
export function checkImageHub(hub: string): HubProblem | undefined {
  if (hub === "" || /\s/.test(hub) || hub.includes("://") || REPOSITORY.test(hub)) return undefined;
  const credentials = hub.includes("@") || /[?#=]/.test(hub);
  return {
    path: "spec.images.hub",
    code: credentials ? "images.hub_credentials" : "images.hub_reference",
    message: credentials
      ? "must be a plain registry path: a user name, password, token or digest (`@`, `?`, `#`, `=`) cannot be part of an image's name, and planton would print and store it"
      : "is not a registry path: a host (with an optional port) and lower-case path parts separated by `/`",
    hint: credentials
      ? "e.g. registry.example.com/istio; give the registry's credentials as a pull Secret named in spec.images.pullSecrets"
      : "e.g. registry.example.com/istio or localhost:5000/istio",
  };
}
