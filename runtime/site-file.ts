import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { Manifest, SiteLayout, parseWith } from '../schemas/index.js';
import { ConfigError, describeError } from './errors.js';

/** The demo bonded zone shipped in seeds/. */
export const DEMO_SITE_FILE = fileURLToPath(new URL('../seeds/demo-site.yaml', import.meta.url));
export const DEMO_MANIFEST_FILE = fileURLToPath(new URL('../seeds/demo-manifest.json', import.meta.url));

async function readStructured(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${describeError(err)}`, { cause: err });
  }
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(
      `${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${describeError(err)}`,
      { cause: err },
    );
  }
}

/** Load and validate a site layout (YAML or JSON). Errors name the file and the offending field. */
export async function loadSiteLayout(path: string): Promise<SiteLayout> {
  const raw = await readStructured(path);
  try {
    return parseWith(SiteLayout, `site layout ${path}`, raw);
  } catch (err) {
    throw new ConfigError(describeError(err), { cause: err });
  }
}

export async function loadManifest(path: string): Promise<Manifest> {
  const raw = await readStructured(path);
  try {
    return parseWith(Manifest, `manifest ${path}`, raw);
  } catch (err) {
    throw new ConfigError(describeError(err), { cause: err });
  }
}
