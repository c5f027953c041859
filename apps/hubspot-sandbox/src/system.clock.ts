import type { Clock } from './clock.port.js';

export const systemClock: Clock = { now: () => Date.now() };
