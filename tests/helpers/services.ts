import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

export interface TestServices {
  kafkaBrokers: string[];
  mqttUrl: string;
  databaseUrl: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: TestServices;
  }
}

/** Addresses of the real services the global setup made available. */
export function testServices(): TestServices {
  return inject('services');
}

/** A random name for isolating a test: topic prefixes, consumer groups, schemas, site ids. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}
