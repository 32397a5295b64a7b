import { readFileSync } from 'node:fs';
import { ConfigError, describeError } from './errors.js';

/**
 * Secrets come from the environment or from files, never from command-line flags (which any user
 * on the host can read in `ps`). `NAME_FILE` names a file holding the secret, as the official
 * Postgres and Mosquitto container images do; a trailing newline is dropped because `echo` and most
 * editors add one.
 */
export function readSecret(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && direct !== '' && file !== undefined && file !== '')
    throw new ConfigError(`set ${name} or ${name}_FILE, not both`);
  if (file !== undefined && file !== '') return readSecretFile(file, `${name}_FILE`);
  return direct === '' ? undefined : direct;
}

/** The secret a file holds; `what` names the setting in errors (never the content). */
export function readSecretFile(path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${what}: cannot read ${path}: ${describeError(err)}`, { cause: err });
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new ConfigError(`${what}: ${path} is empty`);
  return secret;
}

/** The content of a PEM file (CA, certificate, key) named by a setting. */
export function readPemFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${what}: cannot read ${path}: ${describeError(err)}`, { cause: err });
  }
}

/** false only for an explicit "false"/"0"/"no"; anything else unset means the safe default, true. */
export function envFlag(name: string, env: NodeJS.ProcessEnv, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (['1', 'true', 'yes'].includes(value)) return true;
  if (['0', 'false', 'no'].includes(value)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}
