import { gs1CheckDigit } from '../../simulators/sscc-96.js';

/**
 * EPC pure-identity URNs → canonical GS1 Digital Link URIs (https://id.gs1.org/…), as the CBV 2.0
 * event hash (§8.9 "EPCIS Event Hash ID") requires before hashing, so the same event hashes alike
 * whichever form it was written in. The rest (raw URNs, unknown schemes) pass unchanged.
 *
 * GS1 Digital Link standard §4 / TDS §6.3: SSCC → /00/{SSCC}; SGTIN → /01/{GTIN}/21/{serial};
 * GRAI → /8003/{0 + GRAI}; SGLN → /414/{GLN}[/254/{extension}] (extension "0" means none).
 */
export function epcUrnToDigitalLink(urn: string): string {
  const sscc = /^urn:epc:id:sscc:(\d+)\.(\d+)$/.exec(urn);
  if (sscc) {
    const [cp, serialRef] = [sscc[1]!, sscc[2]!];
    const body = `${serialRef.slice(0, 1)}${cp}${serialRef.slice(1)}`;
    return `https://id.gs1.org/00/${body}${gs1CheckDigit(body)}`;
  }
  const sgtin = /^urn:epc:id:sgtin:(\d+)\.(\d+)\.(.+)$/.exec(urn);
  if (sgtin) {
    const [cp, itemRef, serial] = [sgtin[1]!, sgtin[2]!, sgtin[3]!];
    const body = `${itemRef.slice(0, 1)}${cp}${itemRef.slice(1)}`;
    return `https://id.gs1.org/01/${body}${gs1CheckDigit(body)}/21/${serial}`;
  }
  const grai = /^urn:epc:id:grai:(\d+)\.(\d*)\.(.+)$/.exec(urn);
  if (grai) {
    const body = `${grai[1]!}${grai[2]!}`;
    return `https://id.gs1.org/8003/0${body}${gs1CheckDigit(body)}${grai[3]!}`;
  }
  const sgln = /^urn:epc:id:sgln:(\d+)\.(\d*)\.(.+)$/.exec(urn);
  if (sgln) {
    const body = `${sgln[1]!}${sgln[2]!}`;
    const gln = `https://id.gs1.org/414/${body}${gs1CheckDigit(body)}`;
    return sgln[3] === '0' ? gln : `${gln}/254/${sgln[3]!}`;
  }
  return urn;
}
