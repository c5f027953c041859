import { randomBytes } from 'node:crypto';

/** The integration specs' broker: this lib sits below @crm-sync/testing, so it reads it itself. */
export const testBrokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');

/** A kafkajs logger that says nothing. */
export const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** `name` with a random suffix: each spec makes its own topics and groups. */
export const uniqueName = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
