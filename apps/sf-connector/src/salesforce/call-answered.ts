import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * When Salesforce answered a request of the call in progress: its status line and headers
 * arrived, so it has the request, though the body may still be on its way (a query page of 2,000
 * records takes a while). The rate window counts a call until a window after its last answer
 * (`CallPermit.answered`); counted until its body had been read and parsed, each long call spent
 * some of the configured rate for nothing (a poll of 200,000 records reached 92–93 % of it).
 */
const listeners = new AsyncLocalStorage<() => void>();

/** Runs `call`, calling `listener` whenever one of its HTTP requests is answered. */
export function whenAnswered<T>(listener: () => void, call: () => T): T {
  return listeners.run(listener, call);
}

/** For the transport: the request of the current call was answered. */
export function callAnswered(): void {
  listeners.getStore()?.();
}
