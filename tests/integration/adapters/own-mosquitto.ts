import { onTestFinished } from 'vitest';
import { startPrivateMosquitto, type PrivateMosquitto } from '../../helpers/private-mosquitto.js';

export type OwnMosquitto = PrivateMosquitto;

/** A private Mosquitto (see tests/helpers/private-mosquitto.ts) removed when the test finishes. */
export async function startOwnMosquitto(): Promise<OwnMosquitto> {
  const broker = await startPrivateMosquitto();
  onTestFinished(() => broker.close());
  return broker;
}
