/**
 * How long a Company insert takes, and a hold for tests (erpnext.md §15).
 *
 * On a real site a Company insert takes seconds: the chart of accounts, warehouses and cost
 * centres are built in the same request and transaction. Two inserts with one abbreviation at
 * the same moment both pass validate_abbr (neither has committed), and the loser fails while
 * creating its chart of accounts: 409 DuplicateEntryError "Account Application of Funds (Assets)
 * - AS already exists", its whole insert rolled back. The simulator models it so: a Company insert
 * is validated and its row written against what is committed when the request starts; it then
 * passes this gate; then it builds its chart (seeing what others committed meanwhile) and commits.
 *
 * The gate: `ms` (default 0: no window, the insert is atomic as every other request), or a hold
 * that parks every Company insert at that point until released — what tests use, so that a race
 * happens however loaded the machine is. Released inserts go on in the order they parked, each
 * one building its chart and committing before the next one goes on.
 */
import { FrappeError } from './errors.ts';
import { sleep } from './http.ts';

/**
 * How the loser of a same-abbreviation race fails on a real site: which one is MariaDB's lock
 * timing (both transactions insert Account rows and shift the nested-set bounds of tabAccount).
 * Seen on ERPNext 15.71.1 (test/erpnext/differential.test.ts): the 409 on a quiet site at first,
 * deadlocks (1213) on later quiet runs, lock wait timeouts (1205, after innodb_lock_wait_timeout)
 * under load.
 */
export const COMPANY_RACE_OUTCOMES = ['duplicate', 'deadlock', 'lock_wait_timeout'] as const;
export type CompanyRaceOutcome = (typeof COMPANY_RACE_OUTCOMES)[number];

/** The loser's error for a race outcome other than the duplicate account (which the chart raises itself). */
export function companyRaceError(outcome: Exclude<CompanyRaceOutcome, 'duplicate'>): FrappeError {
  return outcome === 'deadlock'
    ? new FrappeError('QueryDeadlockError', "(1213, 'Deadlock found when trying to get lock; try restarting transaction')", [], 500)
    : new FrappeError('QueryTimeoutError', "(1205, 'Lock wait timeout exceeded; try restarting transaction')", [], 500);
}

export interface CompanyInsertState {
  /** Duration of each Company insert between its validation and its chart of accounts (ms). */
  ms: number;
  /** How the loser of a same-abbreviation race fails. */
  race: CompanyRaceOutcome;
  /** Company inserts park instead of waiting `ms`, until released. */
  held: boolean;
  /** Names of the parked Company inserts, in the order they arrived. */
  parked: string[];
}

interface Parked {
  name: string;
  go(): void;
  fail(error: Error): void;
}

export class CompanyInsertGate {
  private held = false;
  private parked: Parked[] = [];
  private watchers: Array<{ count: number; resolve(names: string[]): void }> = [];

  constructor(
    private ms = 0,
    private raceOutcome: CompanyRaceOutcome = 'duplicate',
  ) {}

  setDuration(ms: number): void {
    this.ms = Math.max(0, Math.round(ms));
  }

  setRaceOutcome(outcome: CompanyRaceOutcome): void {
    this.raceOutcome = outcome;
  }

  get race(): CompanyRaceOutcome {
    return this.raceOutcome;
  }

  /** From now on Company inserts park after their validation, until released. */
  hold(): void {
    this.held = true;
  }

  /**
   * Lets parked inserts go on, in the order they parked: the one named (the hold stays), or all
   * of them and the hold ends. Returns the names released.
   */
  release(name?: string): string[] {
    const going = name === undefined ? this.parked : this.parked.filter((p) => p.name.toLowerCase() === name.toLowerCase()).slice(0, 1);
    if (name === undefined) this.held = false;
    this.parked = this.parked.filter((p) => !going.includes(p));
    for (const p of going) p.go();
    return going.map((p) => p.name);
  }

  /** Resolves with the parked names once at least `count` Company inserts are parked. */
  whenParked(count: number): Promise<string[]> {
    if (this.parked.length >= count) return Promise.resolve(this.names());
    return new Promise((resolve) => this.watchers.push({ count, resolve }));
  }

  /**
   * Parked inserts fail (500, nothing committed), the hold ends and waiters are answered: on
   * reset and close, so that nothing commits into a site that was reset or closed.
   */
  abort(reason: string): void {
    const parked = this.parked;
    this.parked = [];
    this.held = false;
    for (const p of parked) p.fail(new FrappeError('Exception', reason, [], 500));
    const watchers = this.watchers;
    this.watchers = [];
    for (const w of watchers) w.resolve([]);
  }

  /**
   * The wait of one Company insert between its validation and its chart of accounts, or
   * undefined when there is none (then the insert goes on in the same step).
   */
  pass(name: string): Promise<void> | undefined {
    if (this.held) {
      return new Promise<void>((go, fail) => {
        this.parked.push({ name, go, fail });
        const names = this.names();
        const ready = this.watchers.filter((w) => this.parked.length >= w.count);
        this.watchers = this.watchers.filter((w) => !ready.includes(w));
        for (const w of ready) w.resolve(names);
      });
    }
    return this.ms > 0 ? sleep(this.ms) : undefined;
  }

  describe(): CompanyInsertState {
    return { ms: this.ms, race: this.raceOutcome, held: this.held, parked: this.names() };
  }

  private names(): string[] {
    return this.parked.map((p) => p.name);
  }
}
