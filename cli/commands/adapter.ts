import { Command } from 'commander';

// Placeholder until this command is written; replaced by its owner.
export function adapterCommand(): Command {
  return new Command('adapter').description('(not yet implemented)');
}
