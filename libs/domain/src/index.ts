// Contracts: topics, keys, envelope and message schemas.
export * from './contracts/envelope.js';
export * from './contracts/exact-parse.js';
export * from './contracts/topics.js';
export * from './contracts/common.js';
export * from './contracts/keys.js';
export * from './contracts/change-events.js';
export * from './contracts/commands.js';
export * from './contracts/control.js';
export * from './contracts/jobs.js';
export * from './contracts/api-budget.js';
export * from './contracts/decisions.js';
export * from './contracts/settings.js';
export * from './contracts/mappings.js';
// Errors.
export * from './errors/sync-error.js';
// Field mappings: types, conversion, defaults, validation.
export * from './mapping/convert.js';
export * from './mapping/type-compatibility.js';
export * from './mapping/default-mappings.js';
export * from './mapping/validate-mappings.js';
// Rules: decisions as data.
export * from './rules/website-host.js';
export * from './rules/account-sync.js';
export * from './rules/dedupe.js';
export * from './rules/inclusion.js';
export * from './rules/company-to-account.js';
export * from './rules/lifecycle.js';
export * from './rules/field-merge.js';
export * from './rules/echo.js';
