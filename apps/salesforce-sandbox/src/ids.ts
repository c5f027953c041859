// Salesforce record Ids: 15 case-sensitive characters (3-character key prefix, then instance and
// counter) plus a 3-character suffix that makes the Id unique case-insensitively. The suffix
// encodes, for each 5-character chunk, which characters are upper-case letters.

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_RE = /^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$/;

/** The 3-character case-insensitivity suffix of a 15-character Id. */
export function idChecksum(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET.charAt(bits);
  }
  return suffix;
}

/** Extends a 15-character Id to 18; returns an 18-character Id as is. */
export function to18(id: string): string {
  return id.length === 15 ? id + idChecksum(id) : id;
}

/**
 * Normalises a string that should be a Salesforce Id to its 18-character form, or returns
 * undefined when it is not a well-formed Id (wrong length, characters, or suffix).
 */
export function normalizeId(value: string): string | undefined {
  if (!ID_RE.test(value)) return undefined;
  if (value.length === 15) return value + idChecksum(value);
  // The suffix is case-insensitive in the sense that it is always upper-case; it must match.
  return idChecksum(value.slice(0, 15)) === value.slice(15) ? value : undefined;
}

/** Generates Ids for one key prefix from a counter: prefix + pod "5g0" + 9 base-62 digits. */
export function makeId(keyPrefix: string, counter: number, pod = '5g0'): string {
  let digits = '';
  let n = counter;
  for (let i = 0; i < 9; i++) {
    digits = BASE62.charAt(n % 62) + digits;
    n = Math.floor(n / 62);
  }
  const id15 = keyPrefix + pod + digits;
  return id15 + idChecksum(id15);
}

export const ORG_ID = to18('00D5g000004SbxE');
export const USER_ID = to18('0055g00000DmJzQ');
