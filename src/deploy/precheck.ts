// `planton precheck`: the public API of the checks in ./precheck/.

export {
  type Finding,
  type FindingCode,
  findingCodes,
  isFindingCode,
  type PrecheckResult,
  precheckExitCode,
  type Severity,
  type Unchecked,
} from "./precheck/model.js";
export {
  checks,
  evaluatePrecheck,
  type PrecheckInput,
  type PrecheckOptions,
  precheck,
} from "./precheck/run.js";
