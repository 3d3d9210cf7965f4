import type { InternalAxiosRequestConfig } from 'axios';

/** The token each request carried, so that a 401 invalidates exactly that one. */
export class SentTokens {
  private readonly byRequest = new WeakMap<InternalAxiosRequestConfig, string>();

  record(config: InternalAxiosRequestConfig, token: string): void {
    this.byRequest.set(config, token);
  }

  /** Forgets the request's token once its response is in. */
  forget(config: InternalAxiosRequestConfig): void {
    // Deleted at once rather than left to the WeakMap: its table only shrinks at a full GC.
    this.byRequest.delete(config);
  }

  /** The token the request carried, forgotten at once; undefined if it carried none of ours. */
  take(config: InternalAxiosRequestConfig): string | undefined {
    const token = this.byRequest.get(config);
    if (token !== undefined) this.byRequest.delete(config);
    return token;
  }
}
