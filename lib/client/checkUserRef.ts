import { BACKSTAGE_USER_HEADER, MAX_USER_REF_LENGTH } from './kagentiHeaders';

// Field value characters of RFC 9110 §5.5 that are safe everywhere: visible ASCII, inner spaces/tabs.
const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?$/;

/**
 * Checks that a user entity ref can be sent as the `X-Backstage-User` header as it is.
 * @throws TypeError naming the first refused character and its position; nothing is sent.
 */
export function assertHeaderSafeUserRef(userRef: unknown): asserts userRef is string {
  if (typeof userRef !== 'string') throw new TypeError(`userRef must be a string, got ${typeof userRef}`);
  if (userRef.length === 0) throw new TypeError('userRef must not be empty');
  if (userRef.length > MAX_USER_REF_LENGTH) {
    throw new TypeError(
      `userRef is ${userRef.length} characters long; at most ${MAX_USER_REF_LENGTH} are sent in ${BACKSTAGE_USER_HEADER}`,
    );
  }
  if (!HEADER_SAFE.test(userRef)) {
    const index = [...userRef].findIndex((char, i, all) => {
      const code = char.codePointAt(0) ?? 0;
      const edge = i === 0 || i === all.length - 1;
      return code > 0x7e || (code < 0x20 && code !== 0x09) || (edge && (code === 0x20 || code === 0x09));
    });
    // Stryker disable next-line OptionalChaining: HEADER_SAFE and the search agree, so a refused value always has a refused character
    const code = [...userRef][index]?.codePointAt(0) ?? 0;
    throw new TypeError(
      `userRef cannot be sent in the ${BACKSTAGE_USER_HEADER} header: character U+${code.toString(16).toUpperCase().padStart(4, '0')} at position ${index} is not allowed (only visible ASCII, with inner spaces). Nothing was sent.`,
    );
  }
}

/**
 * Checks that `path` is a path below the base URL.
 * @throws TypeError for an absolute or protocol-relative URL, or a path without a leading "/".
 */
export function assertRelativePath(path: unknown): asserts path is string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) {
    throw new TypeError('path must be a path below baseUrl starting with a single "/", not an absolute URL');
  }
}
