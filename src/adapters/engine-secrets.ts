import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ProvisionerError } from '../domain/errors.ts';
import type { EngineCredentials } from '../ports/store.ts';

/**
 * Engine API keys and secrets at rest: AES-256-GCM, a random 12-byte nonce per value, bound to
 * its engine and column (the additional data), so that a value copied to another row or column
 * does not decrypt. A stored value is an envelope that names the key that sealed it:
 *
 *   enc:v1:<key id>:<nonce, base64url>:<ciphertext and 16-byte tag, base64url>
 *
 * The key id is a fingerprint of the key (not the key), so that a process holding the current
 * key and older ones (rotation) knows which to try, and an operator can tell which key a row
 * needs. Anything else in the column is clear text from before encryption: read as such, and
 * sealed at the next start.
 */
export const SEALED_PREFIX = 'enc:v1:';
const SEALED = /^enc:v1:([0-9a-f]{16}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22,})$/;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export type EngineSecretColumn = 'api_key' | 'api_secret';

/**
 * What a sealed value belongs to: the row and column it is bound to (the additional data). An
 * engine's key and secret, or a webhook's signing secret.
 */
export type SecretSlot = { table: 'engines'; id: string; column: EngineSecretColumn } | { table: 'webhooks'; id: string; column: WebhookSecretColumn };
/** A webhook's signing secret, and the one before it while a rotation's overlap lasts. */
export type WebhookSecretColumn = 'secret' | 'previous_secret';
const engineSlot = (id: string, column: EngineSecretColumn): SecretSlot => ({ table: 'engines', id, column });
export const webhookSlot = (id: string, column: WebhookSecretColumn = 'secret'): SecretSlot => ({ table: 'webhooks', id, column });

/** The keys of this process: the one that seals, and older ones still accepted for reading. */
export interface EncryptionKeys {
  current: Buffer;
  previous: Buffer[];
}

const KEY_HINT =
  'Make a key with `openssl rand -base64 32` (or `openssl rand -hex 32`) and set PROVISIONER_ENCRYPTION_KEY (or PROVISIONER_ENCRYPTION_KEY_FILE) to it on every serve and worker process. Keep it apart from the database backups: whoever has both reads the engine secrets.';

/** A key that is not 32 random bytes. Stops the start (exit 3), never reaches the API. */
export class EncryptionKeyInvalidError extends ProvisionerError {
  constructor(message: string, hint = KEY_HINT) {
    super('ENCRYPTION_KEY_INVALID', message, hint, { httpStatus: 500 });
  }
}

/**
 * No key where one is needed: a start with engines registered, a registration, a row sealed
 * with a key this process was not given. 503: the server, not the request, needs fixing.
 */
export class EncryptionKeyMissingError extends ProvisionerError {
  constructor(message: string) {
    super('ENCRYPTION_KEY_MISSING', message, `${KEY_HINT} Then restart them (docs/operations.md, "Engine credentials at rest").`, { httpStatus: 503 });
  }
}

/** An engine's stored key or secret that this process's keys do not open. Names the engine, never a value. */
export class EngineSecretsUnreadableError extends ProvisionerError {
  constructor(
    readonly engineId: string,
    why: string,
  ) {
    super(
      'ENGINE_SECRETS_UNREADABLE',
      `The stored API key and secret of engine "${engineId}" ${why}`,
      'Give every serve and worker process the key they were encrypted with: PROVISIONER_ENCRYPTION_KEY, or PROVISIONER_ENCRYPTION_KEY_PREVIOUS during a rotation (docs/operations.md, "Engine credentials at rest"). If that key is lost, register the engine again with its key and secret (POST /api/engines), then use "Continue".',
      { httpStatus: 503 },
    );
  }
}

/** A webhook's stored signing secret that this process's keys do not open. Names the webhook, never the secret. */
export class WebhookSecretUnreadableError extends ProvisionerError {
  constructor(
    readonly webhookId: string,
    why: string,
  ) {
    super(
      'WEBHOOK_SECRET_UNREADABLE',
      `The stored signing secret of webhook ${webhookId} ${why}`,
      'Give every worker the key it was encrypted with: PROVISIONER_ENCRYPTION_KEY, or PROVISIONER_ENCRYPTION_KEY_PREVIOUS during a rotation (docs/operations.md, "Engine credentials at rest"). If that key is lost, delete the webhook and create it again with its secret (POST /api/webhooks).',
      { httpStatus: 503 },
    );
  }
}

// `why` is phrased for the engine's two values; a webhook has one secret ("were" → "was")
const unreadable = (slot: SecretSlot, why: string) =>
  slot.table === 'webhooks' ? new WebhookSecretUnreadableError(slot.id, why.replace(/^are /, 'is ').replace(/^were /, 'was ').replace(/^do not /, 'does not ')) : new EngineSecretsUnreadableError(slot.id, why);
const describe = (slot: SecretSlot) => (slot.table === 'webhooks' ? `${slot.column === 'previous_secret' ? 'previous ' : ''}signing secret of webhook ${slot.id}` : `API key and secret of engine "${slot.id}"`);

/** The fingerprint of a key that envelopes carry: 64 bits of a SHA-256 of it, not the key. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('provisioner engine-secrets key id\u0000').update(key).digest('hex').slice(0, 16);
}

/**
 * A key from its text: 64 hex characters or base64 (or base64url) of 32 bytes. Refused when it
 * is not 32 bytes, or does not look random: a password or phrase encoded as base64 (every byte
 * printable), or a repeated pattern (fewer than 16 distinct bytes; 32 random bytes have about 30).
 */
export function parseEncryptionKey(text: string, source: string): Buffer {
  const raw = text.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(raw)) key = Buffer.from(raw, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(raw)) key = Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!key || key.length !== KEY_BYTES) {
    throw new EncryptionKeyInvalidError(`${source} is not a 32-byte key: it must be 64 hex characters or 44 base64 characters (got ${raw.length} characters)`);
  }
  const printable = key.every((b) => b >= 0x20 && b <= 0x7e);
  if (printable || new Set(key).size < 16) {
    throw new EncryptionKeyInvalidError(`${source} is too weak: its 32 bytes ${printable ? 'are all printable text (a password or phrase, not random bytes)' : 'repeat a short pattern'}`);
  }
  return key;
}

/** A value as stored: sealed with which key, or clear text from before encryption. */
export function sealedKeyId(stored: string): string | null {
  return SEALED.exec(stored)?.[1] ?? (stored.startsWith(SEALED_PREFIX) ? 'malformed' : null);
}

/**
 * Seals and opens engine credentials and webhook signing secrets with this process's keys. Without keys (outside demo mode
 * with no PROVISIONER_ENCRYPTION_KEY) it seals nothing: a registration is refused, never stored
 * in clear text.
 */
export class EngineSecrets {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string | null;
  private readonly current: Buffer | null;

  constructor(keys: EncryptionKeys | null) {
    this.current = keys?.current ?? null;
    this.currentKeyId = keys ? keyIdOf(keys.current) : null;
    if (keys) for (const key of [keys.current, ...keys.previous]) this.keys.set(keyIdOf(key), key);
  }

  get configured(): boolean {
    return this.current !== null;
  }

  /** Ids of the keys that open values (the current one first). */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  seal(engineId: string, column: EngineSecretColumn, plain: string): string {
    return this.sealIn(engineSlot(engineId, column), plain);
  }

  /** The clear value; a row from before encryption is its own clear value. */
  open(engineId: string, column: EngineSecretColumn, stored: string): string {
    return this.openIn(engineSlot(engineId, column), stored);
  }

  sealIn(slot: SecretSlot, plain: string): string {
    if (!this.current || !this.currentKeyId) {
      throw new EncryptionKeyMissingError(`The ${describe(slot)} cannot be stored: PROVISIONER_ENCRYPTION_KEY is not set, and ${slot.table === 'webhooks' ? 'it is' : 'they are'} never stored in clear text`);
    }
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(slot));
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${SEALED_PREFIX}${this.currentKeyId}:${nonce.toString('base64url')}:${sealed.toString('base64url')}`;
  }

  /** The clear value; a row from before encryption is its own clear value. */
  openIn(slot: SecretSlot, stored: string): string {
    if (!stored.startsWith(SEALED_PREFIX)) return stored;
    const m = SEALED.exec(stored);
    if (!m) throw unreadable(slot, 'are not in a format this version reads (enc:v1:…)');
    const [, keyId, nonce, sealed] = m as unknown as [string, string, string, string];
    const key = this.keys.get(keyId);
    if (!key) {
      if (!this.configured) throw new EncryptionKeyMissingError(`The stored ${describe(slot)} ${slot.table === 'webhooks' ? 'is' : 'are'} encrypted (key ${keyId}), and PROVISIONER_ENCRYPTION_KEY is not set in this process`);
      throw unreadable(slot, `were encrypted with key ${keyId}, which this process was not given (its keys: ${this.keyIds.join(', ')}; the first is PROVISIONER_ENCRYPTION_KEY)`);
    }
    const bytes = Buffer.from(sealed, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(slot));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      // no cause attached: nothing of the value goes into an error
      throw unreadable(slot, `do not decrypt with key ${keyId} (changed in the database, or copied from another ${slot.table === 'webhooks' ? 'webhook' : 'engine'})`);
    }
  }

  credentials(engineId: string, storedKey: string, storedSecret: string): EngineCredentials {
    return { apiKey: this.open(engineId, 'api_key', storedKey), apiSecret: this.open(engineId, 'api_secret', storedSecret) };
  }

  /** Sealed with the current key: nothing for a re-encryption to do. */
  isCurrent(stored: string): boolean {
    return this.currentKeyId !== null && sealedKeyId(stored) === this.currentKeyId;
  }

  /** This process can open it (clear text, or sealed with one of its keys); no decryption tried. */
  canOpen(stored: string): boolean {
    const keyId = sealedKeyId(stored);
    return keyId === null || this.keys.has(keyId);
  }
}

// engines keep the additional data they were sealed with before webhooks were added
const additionalData = (slot: SecretSlot) => Buffer.from(`onboarding.${slot.table}\u0000${slot.id}\u0000${slot.column}`, 'utf8');
