import { Command } from 'commander';

// Placeholder until this command is written; replaced by its owner.
export function servicesCommand(): Command {
  return new Command('services').description('(not yet implemented)');
}
