import { Command } from 'commander';

// Placeholder until this command is written; replaced by its owner.
export function replayCommand(): Command {
  return new Command('replay').description('(not yet implemented)');
}
