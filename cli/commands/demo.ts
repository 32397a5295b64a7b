import { Command } from 'commander';

// Placeholder until this command is written; replaced by its owner.
export function demoCommand(): Command {
  return new Command('demo').description('(not yet implemented)');
}
