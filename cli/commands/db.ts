import { Command } from 'commander';

// Placeholder until this command is written; replaced by its owner.
export function dbCommand(): Command {
  return new Command('db').description('(not yet implemented)');
}
