import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createKafka } from './client.js';

/** The integration specs' broker: this lib sits below @crm-sync/testing, so it reads it itself. */
const testBrokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');

/** A kafkajs logger that says nothing. */
export const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** A client of the test broker that logs nothing. */
export const testKafka = (clientId: string): Kafka =>
  createKafka({ brokers: testBrokers, clientId, logger: silentLogger });

/** `name` with a random suffix: each spec makes its own topics and groups. */
export const uniqueName = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
