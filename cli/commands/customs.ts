import { Command } from 'commander';

// Placeholder until this command is written; replaced by its owner.
export function customsCommand(): Command {
  return new Command('customs').description('(not yet implemented)');
}
