/** The ERPNext simulator: a Frappe v1 REST API over an in-memory site (see README.md). */
export { startErpnextSimulator, type RunningSimulator, type SimulatorOptions } from './server.ts';
export { ErpnextSimulator, type CallFilter, type CallRecord, type Duplicate } from './simulator.ts';
export type { FaultSpec, LostResponseSpec } from './faults.ts';
export type { Doc } from './meta.ts';
export { FRAPPE_VERSION, ERPNEXT_VERSION } from './methods.ts';
