/**
 * Topic names, defined once. MQTT topics carry site and reader ids; Kafka topic names carry a
 * prefix (default `bondtrack`) so that tests and tenants can use their own set on one cluster.
 */
export const MQTT_ROOT = 'bondtrack/v1';

export const mqttTopics = {
  reads: (site: string, readerId: string) => `${MQTT_ROOT}/${site}/readers/${readerId}/reads`,
  status: (site: string, readerId: string) => `${MQTT_ROOT}/${site}/readers/${readerId}/status`,
  deadLetters: (site: string, readerId: string) => `${MQTT_ROOT}/${site}/readers/${readerId}/dead-letters`,
  /** Filters the bridge subscribes to; `site` may be `+` for every site. */
  allReads: (site = '+') => `${MQTT_ROOT}/${site}/readers/+/reads`,
  allStatus: (site = '+') => `${MQTT_ROOT}/${site}/readers/+/status`,
  allDeadLetters: (site = '+') => `${MQTT_ROOT}/${site}/readers/+/dead-letters`,
} as const;

/** Split `bondtrack/v1/{site}/readers/{readerId}/{kind}`; undefined when the topic is not ours. */
export function parseMqttTopic(topic: string): { site: string; readerId: string; kind: string } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}` !== MQTT_ROOT || parts[3] !== 'readers')
    return undefined;
  return { site: parts[2]!, readerId: parts[4]!, kind: parts[5]! };
}

export interface KafkaTopics {
  reads: string;
  observations: string;
  customs: string;
  events: string;
  alerts: string;
  readerStatus: string;
  dlq: string;
}

export function kafkaTopics(prefix = 'bondtrack'): KafkaTopics {
  return {
    reads: `${prefix}.reads.v1`,
    observations: `${prefix}.observations.v1`,
    customs: `${prefix}.customs.v1`,
    events: `${prefix}.events.v1`,
    alerts: `${prefix}.alerts.v1`,
    readerStatus: `${prefix}.reader-status.v1`,
    dlq: `${prefix}.dlq.v1`,
  };
}
