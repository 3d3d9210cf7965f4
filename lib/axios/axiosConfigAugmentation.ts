import type { KagentiAuthRequestOptions } from '../policy/KagentiAuthRequestOptions';

// Declares the per-request options on axios' own config type, as axios-retry does.
declare module 'axios' {
  interface AxiosRequestConfig {
    /** Options of `@boost/kagenti-auth`'s interceptors for this request. */
    kagentiAuth?: KagentiAuthRequestOptions;
  }
}
