/** The Odoo simulator: Odoo 17's external JSON-RPC API over an in-memory database (docs/simulator.md). */
export { startOdooSimulator, type OdooSimulatorOptions, type RunningOdooSimulator } from './server.ts';
export { OdooSimulator, DEFAULT_ODOO_SIM_CREDENTIALS, ODOO_SIM_VERSION, type OdooCallFilter, type OdooCallRecord, type OdooDuplicate } from './simulator.ts';
export { ODOO_FAULT_KINDS, ODOO_RATE_ERROR_STATUSES, type OdooFaultSpec, type OdooLatencySpec, type OdooFaultState } from './faults.ts';
export type { OdooRecord } from './store.ts';
