/** Header carrying the Backstage user entity ref. Informational only; never authentication. */
export const BACKSTAGE_USER_HEADER = 'X-Backstage-User';
/** Longest `userRef` accepted, in characters. */
export const MAX_USER_REF_LENGTH = 1024;
