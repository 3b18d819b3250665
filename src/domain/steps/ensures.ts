import { EngineDuplicateError, isProvisionerError } from '../errors.ts';

/**
 * A write that failed this way may still have been applied: the engine refused it as a
 * duplicate (someone created the record in between), or we never saw its answer (timeout,
 * connection lost), and the engine may have committed it, possibly later than our deadline.
 */
export function mayHaveLanded(e: unknown): boolean {
  return e instanceof EngineDuplicateError || (isProvisionerError(e) && e.transient);
}

/**
 * Creates a record that a read just found missing. When the write may have been applied
 * anyway (see mayHaveLanded), a read decides: the record that now exists is adopted (another
 * tenant's run created the same site-wide record, or our own timed-out insert committed);
 * when there is none, the write's own error stands, and a transient one is retried by the
 * runner, which reads first again. Never a second blind write.
 */
export async function createOrAdopt<T>(create: () => Promise<T>, find: () => Promise<T | null>): Promise<T> {
  try {
    return await create();
  } catch (e) {
    if (!mayHaveLanded(e)) throw e;
    let existing: T | null;
    try {
      existing = await find();
    } catch {
      throw e; // the engine is still failing: the write's own error says what happened
    }
    if (existing === null) throw e;
    return existing;
  }
}

