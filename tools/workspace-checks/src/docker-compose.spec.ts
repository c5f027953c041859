import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  CONNECTOR_NODE_FLAGS,
  DEFAULT_PORTS,
  nodeFlagsFor,
  PROCESS_ENV,
  SERVICE_NODE_FLAGS,
  SYNC_RULES_NODE_FLAGS,
} from '@crm-sync/runtime';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '../../..');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as { services: Record<string, ComposeService> };
const services = compose.services;

const APPS = ['sf-connector', 'hs-connector', 'sync-rules', 'settings-api'] as const;
const SANDBOXES = ['salesforce-sandbox', 'hubspot-sandbox'] as const;

describe('docker-compose.yml', () => {
  it('declares Kafka, MongoDB, both sandboxes and the four services', () => {
    expect(Object.keys(services).sort()).toEqual(['kafka', 'mongo', ...APPS, ...SANDBOXES].sort());
    expect(services['kafka']?.image).toMatch(/^apache\/kafka:4\./);
    expect(services['mongo']?.image).toMatch(/^mongo:/);
  });

  it.each(Object.keys(services))('gives %s a healthcheck', (name) => {
    const test = services[name]?.healthcheck?.test ?? [];
    expect(test[0]).toMatch(/^CMD(-SHELL)?$/);
    expect(test.length).toBeGreaterThan(1);
  });

  it.each([...APPS, ...SANDBOXES])(
    'publishes %s on its default port and runs its build',
    (name) => {
      const service = services[name];
      const port = DEFAULT_PORTS[name];
      expect(service?.ports).toEqual([`${port}:${port}`]);
      expect(service?.environment?.['PORT']).toBe(port);
      expect(service?.command).toEqual([
        'node',
        ...nodeFlagsFor(name),
        `apps/${name}/dist/main.js`,
      ]);
      expect(service?.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${port}/`);
      for (const [key, value] of Object.entries(PROCESS_ENV)) {
        expect(String(service?.environment?.[key])).toBe(value);
      }
    },
  );

  it.each(APPS)(
    'starts %s only once Kafka and MongoDB are healthy, and points it at them',
    (name) => {
      const service = services[name];
      expect(service?.depends_on?.['kafka']).toEqual({ condition: 'service_healthy' });
      expect(service?.depends_on?.['mongo']).toEqual({ condition: 'service_healthy' });
      expect(service?.environment?.['KAFKA_BROKERS']).toBe('kafka:9092');
      expect(service?.environment?.['MONGO_URL']).toBe('mongodb://mongo:27017/');
    },
  );

  it('runs the services, not the sandboxes, with V8 flags: the connectors and sync-rules with their own', () => {
    expect(SERVICE_NODE_FLAGS.length).toBeGreaterThan(0);
    expect(CONNECTOR_NODE_FLAGS).not.toEqual(SERVICE_NODE_FLAGS);
    expect(SYNC_RULES_NODE_FLAGS).not.toEqual(SERVICE_NODE_FLAGS);
    for (const name of APPS) {
      expect(services[name]?.command).toEqual([
        'node',
        ...nodeFlagsFor(name),
        `apps/${name}/dist/main.js`,
      ]);
    }
    for (const name of SANDBOXES)
      expect(services[name]?.command).toEqual(['node', `apps/${name}/dist/main.js`]);
  });

  it('publishes Kafka and MongoDB on the same host ports as the local infrastructure', () => {
    expect(services['kafka']?.ports).toEqual([`${DEFAULT_PORTS.kafka}:${DEFAULT_PORTS.kafka}`]);
    expect(services['mongo']?.ports).toEqual([`${DEFAULT_PORTS.mongodb}:27017`]);
  });
});

describe('toolchain pins', () => {
  it('agree on Node 24 in .nvmrc, engines and the bootstrap script', () => {
    const nvmrc = readFileSync(path.join(root, '.nvmrc'), 'utf8').trim();
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    const env = readFileSync(path.join(root, 'tools/toolchain/env.sh'), 'utf8');
    const pinned = /CRM_NODE_VERSION="(\d+)\.\d+\.\d+"/.exec(env)?.[1];
    expect(nvmrc).toBe('24');
    expect(pkg.engines.node).toMatch(/^>=24\./);
    expect(pinned).toBe('24');
  });
});
