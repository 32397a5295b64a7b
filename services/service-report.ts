import type { ServiceName } from './errors.js';

export type { ServiceName };

/**
 * What `up` did for a service: `reused` a local one that was already healthy, `started` it,
 * `installed` it (socat), or only checked one that the configuration points elsewhere (`external`).
 */
export type UpAction = 'reused' | 'started' | 'installed' | 'external';

export interface ServiceUp {
  service: ServiceName;
  action: UpAction;
  /** host:port list, a URL without its password, or an executable's path. */
  address: string;
  /** Pid of the broker Bondtrack started (Kafka only; absent for anyone else's broker). */
  pid?: number;
  elapsedMs: number;
  detail?: string;
}

export interface ServiceStatus {
  service: ServiceName;
  state: 'up' | 'down';
  address: string;
  /** True when Bondtrack started it and `services down` would stop it. */
  managed: boolean;
  pid?: number;
  /** Where the broker Bondtrack runs writes its log (Kafka only). */
  logFile?: string;
  detail?: string;
}

/**
 * What `down` did: `stopped` (SIGTERM sufficed), `killed` (needed SIGKILL), `not-running`, or
 * `left-running` for services Bondtrack did not start (PostgreSQL, Mosquitto, anyone else's broker).
 */
export type DownAction = 'stopped' | 'killed' | 'not-running' | 'left-running';

export interface ServiceDown {
  service: ServiceName;
  action: DownAction;
  address: string;
  pid?: number;
  detail?: string;
}
