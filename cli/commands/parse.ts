import { Command } from 'commander';

// Placeholder until this command is written; replaced by its owner.
export function parseCommand(): Command {
  return new Command('parse').description('(not yet implemented)');
}
