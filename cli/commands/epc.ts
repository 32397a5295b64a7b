import { Command } from 'commander';

// Placeholder until this command is written; replaced by its owner.
export function epcCommand(): Command {
  return new Command('epc').description('(not yet implemented)');
}
