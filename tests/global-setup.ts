import type { TestProject } from 'vitest/node';

// PLACEHOLDER (replaced by the services work): provides service addresses from env/defaults.
export default function setup(project: TestProject): void {
  project.provide('services', {
    kafkaBrokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','),
    mqttUrl: process.env['MQTT_URL'] ?? 'mqtt://127.0.0.1:1883',
    databaseUrl: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
  });
}
