import { describe, expect, it } from 'vitest';
import { parseReaderAddress, readerIdFromSite } from '../../../adapters/llrp/adapter/index.js';
import { loadSiteLayout } from '../../../runtime/site-file.js';
import type { SiteLayout } from '../../../schemas/index.js';

describe('adapter llrp: reader addresses and ids', () => {
  it('parses HOST:PORT, HOST (5084) and [IPv6]:PORT, and refuses the rest naming it', () => {
    expect(parseReaderAddress('10.0.0.21:5084')).toEqual({ host: '10.0.0.21', port: 5084 });
    expect(parseReaderAddress('speedway-12.local')).toEqual({ host: 'speedway-12.local', port: 5084 });
    expect(parseReaderAddress('[fe80::1]:15084')).toEqual({ host: 'fe80::1', port: 15084 });
    expect(() => parseReaderAddress('host:99999')).toThrow(/port must be 1-65535/);
    expect(() => parseReaderAddress('a b')).toThrow(/HOST:PORT, got "a b"/);
  });

  it("finds a reader's id in the site layout by its llrp address, and says what to do when absent", async () => {
    const demo = await loadSiteLayout('seeds/demo-site.yaml');
    const site: SiteLayout = {
      ...demo,
      readers: [
        ...demo.readers,
        { id: 'RD-LLRP-1', protocol: 'llrp', address: '10.0.0.21:5084' },
        { id: 'RD-LLRP-2', protocol: 'llrp', address: '10.0.0.22' },
      ],
    };
    expect(readerIdFromSite(site, { host: '10.0.0.21', port: 5084 })).toBe('RD-LLRP-1');
    expect(readerIdFromSite(site, { host: '10.0.0.22', port: 5084 })).toBe('RD-LLRP-2');
    expect(() => readerIdFromSite(site, { host: '10.0.0.23', port: 5084 })).toThrow(
      /no llrp reader at 10\.0\.0\.23:5084 in site .*--reader-id/,
    );
  });
});
