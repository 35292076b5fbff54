/**
 * Text as SPEC §4 and §6.0 measure it: lengths in Unicode code points, sizes in UTF-8 bytes
 * (what a payload really weighs), and the characters no stored text may hold. Pure: the
 * workflow sandbox uses it too.
 */

/** UTF-8 bytes of a string (a lone surrogate, which JSON encodes as `\uXXXX`, counts 6). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i += 1;
      } else bytes += 6;
    } else if (unit >= 0xd800 && unit <= 0xdfff) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}

/** UTF-8 bytes of every string in a value, however deeply nested (keys not counted). */
export function textBytes(value: unknown): number {
  if (typeof value === 'string') return utf8Length(value);
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + textBytes(item), 0);
  if (value !== null && typeof value === 'object') {
    return Object.values(value as Record<string, unknown>).reduce<number>((sum, item) => sum + textBytes(item), 0);
  }
  return 0;
}

/** The size of a value as JSON in UTF-8: what it weighs as a Temporal payload. */
export function jsonBytes(value: unknown): number {
  return utf8Length(JSON.stringify(value) ?? 'null');
}

/** Unicode code points, as SPEC's length limits count them. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    count += 1;
  }
  return count;
}

/** A lone UTF-16 surrogate: JSON can carry one, PostgreSQL cannot store it. */
export function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
      else return true;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return true;
  }
  return false;
}

/** Any C0 control character (U+0000–U+001F), tab and newline included. */
export function hasControlCharacter(text: string): boolean {
  return /[\u0000-\u001f]/.test(text);
}
