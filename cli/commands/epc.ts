import { Command } from 'commander';
import { decodeEpc } from '../../pipeline/epc/index.js';

interface DecodeFlags {
  json?: boolean;
}

export function epcCommand(): Command {
  const epc = new Command('epc').description(
    'GS1 EPC Tag Data Standard: decode EPCs as readers report them.',
  );

  epc
    .command('decode')
    .summary('print the pure-identity URN of EPCs (hex)')
    .description(
      'Decode EPC hex values (SSCC-96, SGTIN-96, GRAI-96) to their pure-identity URNs, one line each: ' +
        'HEX<TAB>URN<TAB>tag URI. A value that is not one of these (an unknown or non-GS1 header, a wrong ' +
        'length, an invalid field) prints its raw URN and the reason, and makes the exit code 1.',
    )
    .argument('<hex...>', 'EPC values in hex (24 hex digits for the 96-bit schemes)')
    .option('--json', 'print one JSON object per value instead')
    .action((hexes: string[], flags: DecodeFlags) => {
      let undecoded = 0;
      for (const hex of hexes) {
        const decoded = decodeEpc(hex);
        if (decoded.kind === 'raw') undecoded++;
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(decoded)}\n`);
        } else if (decoded.kind === 'gs1') {
          process.stdout.write(`${decoded.hex}\t${decoded.idUri}\t${decoded.tagUri}\n`);
        } else {
          process.stdout.write(`${decoded.hex}\t${decoded.rawUri}\tnot decoded: ${decoded.reason}\n`);
        }
      }
      if (undecoded > 0) process.exitCode = 1;
    });

  return epc;
}
