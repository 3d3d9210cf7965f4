import type { AxiosRequestConfig } from 'axios';

/** The form body a token request sent. */
export const sentForm = (request: AxiosRequestConfig | undefined): URLSearchParams => new URLSearchParams(String(request?.data));

/** The `client_assertion` a token request sent; fails the test when there is none. */
export function sentAssertion(request: AxiosRequestConfig | undefined): string {
  const assertion = sentForm(request).get('client_assertion');
  if (assertion === null) throw new Error('the token request carried no client_assertion');
  return assertion;
}

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** What `promise` rejected with; fails the test when it resolves. */
export async function rejection<T = Error>(promise: Promise<unknown>): Promise<T> {
  try {
    await promise;
  } catch (error) {
    return error as T;
  }
  throw new Error('expected a rejection');
}
