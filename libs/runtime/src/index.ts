export * from './config.js';
export * from './health.js';
export * from './logger.js';
export * from './mongo.js';
export * from './service.js';
export * from './service-context.js';
export * from './ports.js';
export * from './node-flags.js';
