import { parseOAuthError } from '../../lib/protocol/parseOAuthError';
import { Redactor } from '../../lib/util/Redactor';

const SECRET = 'Sup3r-S3cret-Value!';
const redactor = new Redactor().add(SECRET);

describe('parseOAuthError', () => {
  it('reads error and error_description', () => {
    expect(parseOAuthError({ error: 'invalid_client', error_description: 'Invalid client credentials' }, redactor)).toStrictEqual(
      {
        error: 'invalid_client',
        description: 'Invalid client credentials',
      },
    );
  });

  it.each([
    ['no error_description', {}],
    ['an empty error_description', { error_description: '' }],
    ['a blank error_description', { error_description: ' \n ' }],
    ['an error_description that is not a string', { error_description: ['x'] }],
  ])('leaves the description out with %s', (_name, extra) => {
    expect(parseOAuthError({ error: 'invalid_scope', ...extra }, redactor)).toStrictEqual({ error: 'invalid_scope' });
  });

  it.each([
    ['null', null],
    ['an array', [{ error: 'invalid_client' }]],
    ['a string', 'invalid_client'],
    ['an object without error', { error_description: 'no error member' }],
    ['an empty error', { error: '' }],
    ['an error of white space and control characters only', { error: ' \r\n\u0000 ' }],
    ['an error that is not a string', { error: 400 }],
  ])('finds no OAuth error in %s', (_name, body) => {
    expect(parseOAuthError(body, redactor)).toBeUndefined();
  });

  it('redacts secrets in both texts', () => {
    expect(parseOAuthError({ error: `bad_${SECRET}`, error_description: `echo ${SECRET}` }, redactor)).toStrictEqual({
      error: 'bad_[REDACTED]',
      description: 'echo [REDACTED]',
    });
  });

  it('flattens control characters in the error', () => {
    expect(parseOAuthError({ error: 'invalid\r\nclient' }, redactor)).toStrictEqual({ error: 'invalid client' });
  });

  // The 500-character limit of the description is pinned in requestClientCredentialsToken.test.ts.
  it('keeps an error of exactly 100 characters whole, and cuts a longer one with an ellipsis', () => {
    expect(parseOAuthError({ error: 'e'.repeat(100) }, redactor)).toStrictEqual({ error: 'e'.repeat(100) });
    expect(parseOAuthError({ error: 'e'.repeat(101) }, redactor)).toStrictEqual({ error: `${'e'.repeat(100)}…` });
  });
});
