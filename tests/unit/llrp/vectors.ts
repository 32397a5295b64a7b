import { readFileSync } from 'node:fs';

export interface Vector {
  id: string;
  source: string;
  hex: string;
  bytes: Buffer;
}

/**
 * The real captures of shared/reference/vectors/llrp.txt (copied next to this file as vectors.txt),
 * or another file of the same format (more-vectors.txt).
 */
export function loadVectors(file = 'vectors.txt'): Vector[] {
  const text = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [id, source, hex] = line.split('|') as [string, string, string];
      return { id, source, hex, bytes: Buffer.from(hex, 'hex') };
    });
}
