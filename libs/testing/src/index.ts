export * from './infra.js';
export * from './kafka.js';
export * from './mongo.js';
export * from './wait.js';
export * from './service.js';
export * from './system.js';
