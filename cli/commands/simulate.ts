import { Command } from 'commander';

// Placeholder until this command is written; replaced by its owner.
export function simulateCommand(): Command {
  return new Command('simulate').description('(not yet implemented)');
}
