import { z } from 'zod';
import { DataFile, type DataFileFormat } from '../persistence.ts';
import type { RecordStore, RecordStoreState } from './store.ts';

/** The Odoo simulator's data file: its records by model, and each model's id sequence. */
export const ODOO_DATA_FILE: DataFileFormat<RecordStoreState> = {
  format: 'odoo-simulator-data',
  version: 1,
  what: 'an Odoo simulator data file',
  state: z.object({
    sequences: z.record(z.string(), z.number().int()),
    tables: z.record(z.string(), z.array(z.looseObject({ id: z.number().int() }))),
  }) as unknown as z.ZodType<RecordStoreState>,
};

export const odooDataFile = (file: string, store: RecordStore, debounceMs?: number) => new DataFile(file, store, ODOO_DATA_FILE, debounceMs);
