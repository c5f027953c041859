export * from './clock.js';
export * from './rate-limiter.js';
export * from './retry.js';
export * from './metrics.js';
export * from './metrics.module.js';
