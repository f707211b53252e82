import { describe, expect, it } from 'vitest';
import {
  checkSecret,
  hashSecret,
  SCRYPT_PARAMS,
  ScryptParamsError,
  SecretRuleError,
  verifySecret,
  type SecretRule,
} from '../../../engine/auth/passwords';
import type { SecretKind } from '../../../engine/store/UserStore';

/** The rule a secret breaks, or null if it is accepted. */
function ruleOf(kind: SecretKind, secret: string, userName?: string): SecretRule | null {
  try {
    checkSecret(kind, secret, userName);
    return null;
  } catch (err) {
    if (!(err instanceof SecretRuleError)) throw err;
    expect(err.code).toBe('VIGIL_SECRET_RULE');
    if (secret.length > 0) expect(err.message).not.toContain(secret); // messages never echo the secret
    return err.rule;
  }
}

describe('secret rules', () => {
  it('PINs are 6–12 ASCII digits, not repeated digits or a straight run', () => {
    const cases: [string, SecretRule | null][] = [
      ['', 'empty'],
      ['48291', 'pin_length'],
      ['482915', null],
      ['904381726511', null],
      ['9043817265113', 'pin_length'],
      ['48 915', 'pin_not_digits'],
      ['४८२९१५', 'pin_not_digits'], // Devanagari digits are not 0-9
      ['000000', 'pin_trivial'],
      ['123456', 'pin_trivial'],
      ['876543', 'pin_trivial'],
      ['121212', null],
    ];
    expect(cases.map(([pin]) => [pin, ruleOf('pin', pin)])).toEqual(cases);
  });

  it('passwords have at least 12 characters (code points), are not blank and not the user name', () => {
    const cases: [string, SecretRule | null][] = [
      ['', 'empty'],
      ['elevenchars', 'password_too_short'],
      ['twelve chars', null],
      ['🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧', 'password_too_short'], // 11 code points, 22 UTF-16 units
      ['            ', 'password_blank'],
      ['x'.repeat(1025), 'password_too_long'],
      ['maintenance1', 'password_is_user_name'],
    ];
    expect(cases.map(([pw]) => [pw, ruleOf('password', pw, 'Maintenance1')])).toEqual(cases);
  });
});

describe('hashSecret / verifySecret', () => {
  it('hashes with the production cost and a fresh 16-byte salt; right secrets pass, wrong ones fail', async () => {
    const [a, b] = await Promise.all([hashSecret('password', 'correct horse battery'), hashSecret('password', 'correct horse battery')]);
    expect({ n: a.n, r: a.r, p: a.p, keylenBytes: a.keylenBytes, kind: a.kind }).toEqual({ ...SCRYPT_PARAMS, kind: 'password' });
    expect([a.salt.byteLength, a.hash.byteLength]).toEqual([16, 32]);
    expect(Buffer.from(a.salt).equals(Buffer.from(b.salt))).toBe(false);
    expect(Buffer.from(a.hash).equals(Buffer.from(b.hash))).toBe(false);

    const attempts = ['correct horse battery', 'correct horse batterY', 'correct horse battery ', '', 'admin'];
    expect(await Promise.all(attempts.map((s) => verifySecret(s, a)))).toEqual([true, false, false, false, false]);
  });

  it('verifies PINs, and passwords typed in either Unicode normal form', async () => {
    const pin = await hashSecret('pin', '482915');
    expect(await Promise.all(['482915', '482916', '48291', '4829150'].map((s) => verifySecret(s, pin)))).toEqual([true, false, false, false]);

    const composed = 'caf\u00e9 au lait noir';
    const decomposed = 'cafe\u0301 au lait noir';
    const stored = await hashSecret('password', composed);
    expect(await verifySecret(decomposed, stored)).toBe(true);
  });

  it('refuses rule-breaking secrets before hashing, and stored parameters that are out of range', async () => {
    await expect(hashSecret('pin', '123456')).rejects.toBeInstanceOf(SecretRuleError);
    const stored = await hashSecret('pin', '482915', { params: { n: 1024, r: 8, p: 1, keylenBytes: 32 } });
    expect(await verifySecret('482915', stored)).toBe(true); // each row verifies with its own parameters
    await expect(verifySecret('482915', { ...stored, n: 2 ** 30 })).rejects.toBeInstanceOf(ScryptParamsError);
    await expect(verifySecret('482915', { ...stored, keylenBytes: 16 })).rejects.toBeInstanceOf(ScryptParamsError);
  });
});
