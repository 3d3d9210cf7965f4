import { InputError, NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import { AxiosError, AxiosHeaders, type InternalAxiosRequestConfig } from 'axios';
import { toBackstageError } from '../../lib/backstage';

// The mapping table of toBackstageError, one row at a time, on the errors axios makes.
const request = { method: 'get', path: '/api/v1/agents?owner=jane' };
const config = { headers: new AxiosHeaders() } as InternalAxiosRequestConfig;

function answered(status: number): AxiosError {
  return new AxiosError(
    `Request failed with status code ${status}`,
    'ERR_BAD_RESPONSE',
    config,
    {},
    {
      status,
      statusText: '',
      headers: {},
      config,
      data: { detail: 'from Kagenti' },
    },
  );
}

describe('toBackstageError', () => {
  it.each([
    [399, ServiceUnavailableError],
    [408, ServiceUnavailableError],
    [429, ServiceUnavailableError],
    [500, ServiceUnavailableError],
  ])('makes a Kagenti %i the backend’s 503', (status, errorClass) => {
    const error = toBackstageError(answered(status), request);
    expect(error).toBeInstanceOf(errorClass);
    expect(error.message).toBe(`Kagenti API request GET /api/v1/agents failed: Kagenti answered ${status}`);
  });

  it.each([418, 499])(
    'makes any other Kagenti 4xx (%i) a plain Error (500): the backend sent what Kagenti cannot take',
    status => {
      const error = toBackstageError(answered(status), request);
      expect(error.constructor).toBe(Error);
      expect(error.message).toBe(`Kagenti API request GET /api/v1/agents failed: Kagenti answered ${status}`);
    },
  );

  it('says what a 401 after the retry means, and what to check', () => {
    expect(toBackstageError(answered(401), request).message).toBe(
      "Kagenti API request GET /api/v1/agents failed: Kagenti answered 401 to the backend's service account (after one retry with a fresh token when auth is configured). Check boost.kagenti.auth and that Kagenti trusts the Keycloak client.",
    );
  });

  it('keeps the original as a cause like the one new Error(message, { cause }) makes: not enumerable, writable, configurable', () => {
    const original = answered(404);
    const error = toBackstageError(original, request);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(Object.getOwnPropertyDescriptor(error, 'cause')).toEqual(
      Object.getOwnPropertyDescriptor(new Error('x', { cause: original }), 'cause'),
    );
  });

  it('says there was no answer, with axios’ code when it has one', () => {
    expect(toBackstageError(new AxiosError('timeout of 10ms exceeded', 'ECONNABORTED'), request).message).toBe(
      'Kagenti API request GET /api/v1/agents failed: no answer from Kagenti (ECONNABORTED)',
    );
    expect(toBackstageError(new AxiosError('socket hang up'), request).message).toBe(
      'Kagenti API request GET /api/v1/agents failed: no answer from Kagenti',
    );
  });

  it.each([
    ['an Error', new RangeError('quoted https://kagenti.internal'), 'RangeError'],
    ['a string', 'quoted https://kagenti.internal', 'string'],
    ['null', null, 'object'],
  ])('makes anything else (%s) a 503 naming only its kind', (_name, thrown, kind) => {
    const error = toBackstageError(thrown, request);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error.message).toBe(`Kagenti API request GET /api/v1/agents failed (${kind})`);
  });

  it('does not take null for a cancellation, even when the request was cancelled', () => {
    expect(toBackstageError(null, { ...request, cancelledBy: 'caller' }).message).toBe(
      'Kagenti API request GET /api/v1/agents failed (object)',
    );
  });

  it('returns a caller mistake (TypeError) as it is', () => {
    const mistake = new TypeError('path must be relative');
    expect(toBackstageError(mistake, request)).toBe(mistake);
    expect(toBackstageError(new InputError('x'), request)).toBeInstanceOf(ServiceUnavailableError);
  });
});
