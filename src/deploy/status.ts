// `planton status`: the public API of the checks in ./status/ (model, one file per kind of check, run).

export {
  checkControlPlane,
  imageTag,
  istiodPdbPlanned,
  type PlannedRevision,
  plannedRevisions,
} from "./status/control-plane.js";
export { checkAmbientNamespaces, checkNodeAgents, checkWaypoints } from "./status/ambient.js";
export { checkCrds } from "./status/crds.js";
export { checkGateways, checkMtls, gatewayField, gatewayPdbPlanned } from "./status/gateways-mtls.js";
export {
  type CheckCategory,
  type CheckFunction,
  type CheckReads,
  type CheckState,
  type MultiClusterReads,
  type NamespaceStatus,
  type RemoteSecretRecord,
  type StatusCheck,
  type StatusResult,
  worst,
} from "./status/model.js";
export {
  checkNamespaces,
  injectedRevision,
  injectionOf,
  namespaceStatuses,
  skippedPod,
  workloadOf,
} from "./status/namespaces.js";
export { checkRemoteSecrets, checkServedByPrimary, isChartIp } from "./status/multicluster.js";
export { checkCa } from "./status/ca.js";
export { checkReleases } from "./status/releases.js";
export { checkFunctions, evaluate, readChecks, type StatusOptions, status } from "./status/run.js";
export { checkWebhooks, revisionCalled, tagOf, tagTargets } from "./status/webhooks.js";
