import { AxiosError, CanceledError, type InternalAxiosRequestConfig } from 'axios';
import type { TokenSource } from '../policy/TokenSource';

/**
 * Gets the token a request needs, bounded by the request's own `timeout` and `signal`: axios only
 * starts its timer once the interceptors are done, and a token fetch with retries can take far longer.
 * A timeout rejects as axios' own `ECONNABORTED` error, a caller's abort as a `CanceledError`.
 */
export async function waitForToken(tokens: TokenSource, config: InternalAxiosRequestConfig): Promise<string> {
  const callerSignal = config.signal as AbortSignal | undefined;
  // A timeout of 0 or less is axios' "no timeout"; it does not bound the wait either.
  const timeoutMs = typeof config.timeout === 'number' ? config.timeout : 0;
  let signal = callerSignal;
  let timedOut = false;
  let cleanUp: (() => void) | undefined;
  if (timeoutMs > 0) {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    timer.unref?.();
    const onCallerAbort = () => controller.abort();
    if (callerSignal?.aborted) controller.abort();
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    cleanUp = () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    };
    signal = controller.signal;
  }
  const min = config.kagentiAuth?.minTokenLifetimeMs;
  const bestEffort = config.kagentiAuth?.bestEffort === true;
  try {
    return min !== undefined
      ? await tokens.getTokenForStreaming(min, { ...(signal ? { signal } : {}), ...(bestEffort ? { bestEffort } : {}) })
      : await tokens.getToken(signal ? { signal } : {});
  } catch (error) {
    if (timedOut) {
      throw new AxiosError(
        `timeout of ${timeoutMs}ms exceeded while waiting for a Keycloak token`,
        AxiosError.ECONNABORTED,
        config,
      );
    }
    if (callerSignal?.aborted) throw new CanceledError(undefined, config);
    throw error;
  } finally {
    cleanUp?.();
  }
}
