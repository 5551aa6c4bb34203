/** Synthetic CloudTrail for an organisation: deterministic, streaming, with planted attacks. */

export { DEMO_OPTIONS, demoReadme } from './demo.js';
export {
  DEFAULT_START,
  type GenerateOptions,
  GenerateOptionsError,
  type GenerateStats,
  Generation,
  type LogObject,
  parseAttackList,
} from './generator.js';
export { Prng } from './prng.js';
export {
  type ExpectedFinding,
  type PlantedScenario,
  SCENARIO_NAMES,
  type ScenarioName,
} from './scenarios.js';
