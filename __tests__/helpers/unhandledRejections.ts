import * as vm from 'node:vm';

/**
 * Records unhandled promise rejections while a property runs, so that a run that leaves one
 * behind fails (and is shrunk) as that run, not later as an anonymous Jest error.
 *
 * Jest gives each test file a copy of `process` whose listeners never hear the real
 * process's events; `vm.runInThisContext` evaluates in the main context, where `process`
 * is the real one (Jest's own listener sits there too, and keeps failing the test as well).
 */
export function trackUnhandledRejections(): { readonly reasons: unknown[]; dispose(): void } {
  const realProcess = vm.runInThisContext('process') as NodeJS.Process;
  const reasons: unknown[] = [];
  const listener = (reason: unknown) => {
    reasons.push(reason);
  };
  realProcess.on('unhandledRejection', listener);
  return {
    reasons,
    dispose() {
      realProcess.off('unhandledRejection', listener);
    },
  };
}
