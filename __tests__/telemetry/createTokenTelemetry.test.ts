import * as otelApi from '@opentelemetry/api';
import { TELEMETRY_NAMES } from '../../lib';
import { TelemetryHarness } from '../helpers/TelemetryHarness';

type CreateModule = typeof import('../../lib/telemetry/createTokenTelemetry');
type LoadModule = typeof import('../../lib/telemetry/loadOpenTelemetryApi');
type NoopModule = typeof import('../../lib/telemetry/TokenTelemetry');

interface Modules {
  create: CreateModule;
  load: LoadModule;
  noop: NoopModule;
}

/** Fresh copies of the telemetry modules (so `loadOpenTelemetryApi` has not loaded yet), with `@opentelemetry/api` missing or not. */
async function freshModules({ withoutOpenTelemetry }: { withoutOpenTelemetry: boolean }): Promise<Modules> {
  let modules: Modules | undefined;
  await jest.isolateModulesAsync(async () => {
    if (withoutOpenTelemetry) hideOpenTelemetry();
    modules = {
      create: await import('../../lib/telemetry/createTokenTelemetry'),
      load: await import('../../lib/telemetry/loadOpenTelemetryApi'),
      noop: await import('../../lib/telemetry/TokenTelemetry'),
    };
  });
  return modules!;
}

/** Makes `require('@opentelemetry/api')` fail in the current module registry, as where the optional peer is absent. */
function hideOpenTelemetry(): void {
  jest.doMock('@opentelemetry/api', () => {
    throw Object.assign(new Error("Cannot find module '@opentelemetry/api'"), { code: 'MODULE_NOT_FOUND' });
  });
}

const remainingSeconds = () => 0;

let harness: TelemetryHarness;
beforeEach(() => {
  harness = new TelemetryHarness();
});
afterEach(async () => {
  jest.dontMock('@opentelemetry/api');
  await harness.shutdown();
});

describe('loadOpenTelemetryApi', () => {
  it('returns the installed @opentelemetry/api, loaded once', async () => {
    const { load } = await freshModules({ withoutOpenTelemetry: false });
    const api = load.loadOpenTelemetryApi();
    expect(api?.trace.getActiveSpan).toBe(otelApi.trace.getActiveSpan);

    hideOpenTelemetry();
    expect(load.loadOpenTelemetryApi()).toBe(api);
  });

  it('returns null when @opentelemetry/api cannot be loaded, and does not try again', async () => {
    const { load } = await freshModules({ withoutOpenTelemetry: true });
    expect(load.loadOpenTelemetryApi()).toBeNull();

    jest.dontMock('@opentelemetry/api');
    expect(load.loadOpenTelemetryApi()).toBeNull();
  });
});

describe('createTokenTelemetry without @opentelemetry/api', () => {
  it('records nothing at all when no meter or tracer is given', async () => {
    const { create, noop } = await freshModules({ withoutOpenTelemetry: true });
    const telemetry = create.createTokenTelemetry({ clientId: 'c', remainingSeconds });
    expect(telemetry).toBe(noop.NOOP_TOKEN_TELEMETRY);
  });

  it('counts token requests through a given meter', async () => {
    const { create } = await freshModules({ withoutOpenTelemetry: true });
    const telemetry = create.createTokenTelemetry({ meter: harness.meter, clientId: 'c', remainingSeconds });
    await telemetry.fetchSpan(false, async recorder => recorder.tokenRequest('success', 0.1));
    telemetry.lookup('fetched');
    telemetry.retry('success');

    expect(await harness.count(TELEMETRY_NAMES.tokenRequests, { outcome: 'success' })).toBe(1);
    expect(await harness.count(TELEMETRY_NAMES.tokenLookups, { source: 'fetched' })).toBe(1);
    expect(await harness.count(TELEMETRY_NAMES.retries, { outcome: 'success' })).toBe(1);
  });

  it('records fetch spans through a given tracer', async () => {
    const { create } = await freshModules({ withoutOpenTelemetry: true });
    const telemetry = create.createTokenTelemetry({ tracer: harness.tracer, clientId: 'c', remainingSeconds });
    await telemetry.fetchSpan(true, async recorder => recorder.tokenRequest('success', 0.1));

    const [span] = harness.spans(TELEMETRY_NAMES.fetchSpan);
    expect(span.attributes).toMatchObject({
      'kagenti.auth.token.fetch.refresh_ahead': true,
      'kagenti.auth.token.fetch.attempts': 1,
    });
  });
});

describe('NOOP_TOKEN_TELEMETRY', () => {
  it('runs the fetch with a recorder that takes reports, and takes lookups, retries and close', async () => {
    const { noop } = await freshModules({ withoutOpenTelemetry: false });
    const telemetry = noop.NOOP_TOKEN_TELEMETRY;
    const value = await telemetry.fetchSpan(false, async recorder => {
      recorder.tokenRequest('failure', 0.1, 'TOKEN_ENDPOINT_UNAVAILABLE');
      return 'token';
    });
    expect(value).toBe('token');
    expect(() => {
      telemetry.lookup('memory');
      telemetry.retry('error');
      telemetry.close();
    }).not.toThrow();
  });
});
