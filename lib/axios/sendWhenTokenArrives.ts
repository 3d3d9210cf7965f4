import axios, { type AxiosAdapter, type AxiosPromise, type InternalAxiosRequestConfig } from 'axios';

/**
 * Puts off sending a request until `arrives` settles: the request's adapter is swapped for one that
 * first puts the original adapter back, then awaits `arrives(config)` (which readies the config, e.g.
 * sets its token), then sends with the original adapter. A rejection of `arrives` rejects the request
 * unsent.
 *
 * The request interceptor uses it so that it can stay synchronous: axios then runs it without a
 * promise step of its own (the one step a cached-token request would otherwise pay for), and only
 * a request that has to wait for its token waits, inside its adapter, after axios' own cancellation
 * check and before its transport starts its timer.
 */
export function sendWhenTokenArrives(
  config: InternalAxiosRequestConfig,
  arrives: (config: InternalAxiosRequestConfig) => Promise<void>,
): InternalAxiosRequestConfig {
  const original = config.adapter;
  const deferred: AxiosAdapter = async (adapterConfig): AxiosPromise => {
    // Restored first, so that error.config, a retry and a re-send all see the caller's adapter.
    adapterConfig.adapter = original;
    await arrives(adapterConfig);
    return axios.getAdapter(original ?? axios.defaults.adapter, adapterConfig)(adapterConfig);
  };
  config.adapter = deferred;
  return config;
}

/** Rejects the request with `error` without sending it (a synchronous interceptor must not throw). */
export function failWithoutSending(config: InternalAxiosRequestConfig, error: unknown): InternalAxiosRequestConfig {
  return sendWhenTokenArrives(config, () => Promise.reject(error));
}
