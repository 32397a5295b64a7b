import { Command } from 'commander';

// Placeholder until this command is written; replaced by its owner.
export function accuracyCommand(): Command {
  return new Command('accuracy').description('(not yet implemented)');
}
