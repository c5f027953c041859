export * from './contracts/envelope.js';
export * from './contracts/topics.js';
