import { z } from 'zod';
import { DataFile as SimulatorDataFile, type DataFileFormat } from '../persistence.ts';
import type { DocumentStore, StoreState } from './store.ts';

export { DataFileError } from '../persistence.ts';

/** The ERPNext simulator's data file: its documents by doctype, naming series and last timestamp. */
export const ERPNEXT_DATA_FILE: DataFileFormat<StoreState> = {
  format: 'erpnext-simulator-data',
  version: 1,
  what: 'an ERPNext simulator data file',
  state: z.object({
    series: z.record(z.string(), z.number()),
    lastStamp: z.number(),
    tables: z.record(z.string(), z.array(z.looseObject({ name: z.string(), doctype: z.string() }))),
  }) as unknown as z.ZodType<StoreState>,
};

export class DataFile extends SimulatorDataFile<StoreState> {
  constructor(file: string, store: DocumentStore, debounceMs = 200) {
    super(file, store, ERPNEXT_DATA_FILE, debounceMs);
  }
}
