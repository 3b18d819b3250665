/** The ERPNext simulator: a Frappe v1 REST API over an in-memory site (see README.md). */
export { startErpnextSimulator, type RunningSimulator, type SimulatorOptions } from './server.ts';
export { ErpnextSimulator, type CallFilter, type CallRecord, type Duplicate } from './simulator.ts';
export { FAULT_KINDS, RATE_ERROR_STATUSES, type FaultSpec, type LatencySpec, type LostResponseSpec, type FaultState } from './faults.ts';
export { SCENARIOS, ScenarioError, type ScenarioName, type ScenarioSpec } from './scenarios.ts';
export { DataFileError } from './persistence.ts';
export type { Doc } from './meta.ts';
export { FRAPPE_VERSION, ERPNEXT_VERSION } from './methods.ts';
