import { Command } from 'commander';

// Placeholder until this command is written; replaced by its owner.
export function epcisCommand(): Command {
  return new Command('epcis').description('(not yet implemented)');
}
