import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { SecretKind, StoredSecret } from '../store/UserStore';

/** scrypt cost parameters; `n` must be a power of two. */
export interface ScryptParams {
  n: number;
  r: number;
  p: number;
  keylenBytes: number;
}

/**
 * The cost every new secret is hashed with: N = 2^15, r = 8, p = 1, 32-byte key. (OWASP's cheat
 * sheet asks for N = 2^17, about 4× the time and memory; parameters are stored per account, so
 * raising them later affects only new or re-set secrets.) Measured with node:crypto's async `scrypt` on the development VM (Node 20, 2-vCPU
 * Xeon): 100–125 ms per hash (median ≈ 110 ms over 8 runs). That is unnoticeable at a login
 * prompt and makes exhausting a 6-digit PIN offline cost 10^6 × 110 ms ≈ 30 core-hours per
 * account: a brake, not a wall, so PIN accounts rely on the database file staying on the
 * workstation. It needs 128·N·r = 32 MiB, just above Node's default `maxmem` (32 MiB, which then
 * fails with "memory limit exceeded"), so `scryptMaxmemBytes` sets the limit explicitly. The work
 * runs on libuv's thread pool (4 threads by default): it never blocks the event loop, but a burst
 * of logins queues behind itself.
 */
export const SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ n: 2 ** 15, r: 8, p: 1, keylenBytes: 32 });

/** Random salt per secret, so equal secrets hash differently and no precomputed table helps. */
export const SALT_BYTES = 16;

/** Passwords (desk accounts, and every admin) are at least this many characters (code points). */
export const PASSWORD_MIN_CHARS = 12;
/** Upper bound, so a pasted megabyte cannot tie up the hash pool; far beyond any real passphrase. */
export const PASSWORD_MAX_CHARS = 1024;
/** PINs (touch panels with gloves on) are 6 to 12 ASCII digits. */
export const PIN_MIN_DIGITS = 6;
export const PIN_MAX_DIGITS = 12;

/**
 * Which rule a secret broke. A code as well as a message, so the UI can highlight the right field
 * and tests do not depend on wording.
 */
export type SecretRule =
  | 'empty'
  | 'password_too_short'
  | 'password_too_long'
  | 'password_blank'
  | 'password_is_user_name'
  | 'pin_not_digits'
  | 'pin_length'
  | 'pin_trivial';

/** A secret was refused before hashing; `message` says what to change. It never contains the secret. */
export class SecretRuleError extends Error {
  readonly code = 'VIGIL_SECRET_RULE';
  constructor(
    readonly rule: SecretRule,
    message: string,
  ) {
    super(message);
    this.name = 'SecretRuleError';
  }
}

/** A stored hash whose parameters are outside what this build will compute (corrupt or hostile row). */
export class ScryptParamsError extends Error {
  readonly code = 'VIGIL_BAD_SCRYPT_PARAMS';
  constructor(message: string) {
    super(message);
    this.name = 'ScryptParamsError';
  }
}

/**
 * The same password typed on two keyboards can arrive as different code points (é composed or
 * not); NFC makes them hash alike. PINs are ASCII digits and are left as they are.
 */
export function normaliseSecret(kind: SecretKind, secret: string): string {
  return kind === 'password' ? secret.normalize('NFC') : secret;
}

/** 123456, 654321 and 000000 are the first guesses anyone makes. */
function isTrivialPin(pin: string): boolean {
  const steps = new Set<number>();
  for (let i = 1; i < pin.length; i++) steps.add(pin.charCodeAt(i) - pin.charCodeAt(i - 1));
  return steps.size === 1 && [0, 1, -1].includes([...steps][0] ?? 99);
}

/**
 * Throws `SecretRuleError` if `secret` may not be used as a `kind`. Passwords: 12 to 1024
 * characters, not only whitespace, not the user name. PINs: 6 to 12 ASCII digits, not one digit
 * repeated, not a straight run up or down.
 */
export function checkSecret(kind: SecretKind, secret: string, userName?: string): void {
  if (secret.length === 0) throw new SecretRuleError('empty', `the ${kind === 'pin' ? 'PIN' : 'password'} is empty`);
  if (kind === 'pin') {
    if (!/^[0-9]+$/.test(secret)) throw new SecretRuleError('pin_not_digits', 'a PIN may contain only the digits 0-9');
    if (secret.length < PIN_MIN_DIGITS || secret.length > PIN_MAX_DIGITS) {
      throw new SecretRuleError('pin_length', `a PIN has ${PIN_MIN_DIGITS} to ${PIN_MAX_DIGITS} digits (this one has ${secret.length})`);
    }
    if (isTrivialPin(secret)) throw new SecretRuleError('pin_trivial', 'a PIN may not be one digit repeated or a straight run of digits up or down');
    return;
  }
  const chars = [...normaliseSecret('password', secret)].length;
  if (chars < PASSWORD_MIN_CHARS) {
    throw new SecretRuleError('password_too_short', `a password has at least ${PASSWORD_MIN_CHARS} characters (this one has ${chars})`);
  }
  if (chars > PASSWORD_MAX_CHARS) throw new SecretRuleError('password_too_long', `a password has at most ${PASSWORD_MAX_CHARS} characters`);
  if (secret.trim().length === 0) throw new SecretRuleError('password_blank', 'a password may not be only spaces');
  if (userName !== undefined && secret.trim().toLowerCase() === userName.toLowerCase()) {
    throw new SecretRuleError('password_is_user_name', 'a password may not be the user name');
  }
}

/** The `maxmem` scrypt needs for `params` (128·N·r for the table plus 128·r·p), with 2× headroom. */
export function scryptMaxmemBytes(params: ScryptParams): number {
  return 2 * (128 * params.n * params.r + 128 * params.r * params.p);
}

/**
 * Refuses parameters that would make verification absurdly expensive or weak. A stored row is
 * data, and a row edited to N = 2^30 must not be able to take the workstation's memory.
 */
function assertSaneParams(params: ScryptParams): void {
  const { n, r, p, keylenBytes } = params;
  const ok =
    Number.isInteger(n) && n >= 2 && n <= 2 ** 20 && (n & (n - 1)) === 0 &&
    Number.isInteger(r) && r >= 1 && r <= 32 &&
    Number.isInteger(p) && p >= 1 && p <= 16 &&
    Number.isInteger(keylenBytes) && keylenBytes >= 16 && keylenBytes <= 128;
  if (!ok) throw new ScryptParamsError(`scrypt parameters out of range: N=${n} r=${r} p=${p} keylen=${keylenBytes} bytes`);
}

/** node:crypto's callback `scrypt` as a promise (promisify loses the options overload's types). */
function derive(secret: string, salt: Uint8Array, params: ScryptParams): Promise<Buffer> {
  assertSaneParams(params);
  return new Promise((resolve, reject) => {
    scrypt(
      secret,
      salt,
      params.keylenBytes,
      { N: params.n, r: params.r, p: params.p, maxmem: scryptMaxmemBytes(params) },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

/**
 * Checks the rules, then hashes `secret` with a fresh random salt. Returns what the `users` table
 * stores; the secret itself is not kept anywhere. `params` is for tests and future cost increases.
 */
export async function hashSecret(
  kind: SecretKind,
  secret: string,
  options: { userName?: string; params?: ScryptParams } = {},
): Promise<StoredSecret> {
  checkSecret(kind, secret, options.userName);
  const params = options.params ?? SCRYPT_PARAMS;
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(normaliseSecret(kind, secret), salt, params);
  return { kind, hash: new Uint8Array(hash), salt: new Uint8Array(salt), ...params };
}

/**
 * Whether `secret` matches a stored hash, using the parameters stored with it. The comparison is
 * constant-time (`timingSafeEqual`), so response times do not reveal how many leading bytes of a
 * guess were right. Throws `ScryptParamsError` for a row whose parameters are out of range.
 */
export async function verifySecret(secret: string, stored: StoredSecret): Promise<boolean> {
  const params: ScryptParams = { n: stored.n, r: stored.r, p: stored.p, keylenBytes: stored.keylenBytes };
  if (stored.hash.byteLength !== stored.keylenBytes) {
    throw new ScryptParamsError(`stored hash is ${stored.hash.byteLength} bytes but its key length says ${stored.keylenBytes}`);
  }
  const derived = await derive(normaliseSecret(stored.kind, secret), stored.salt, params);
  return timingSafeEqual(derived, stored.hash);
}
