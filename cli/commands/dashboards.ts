import { Command } from 'commander';

// Placeholder until this command is written; replaced by its owner.
export function dashboardsCommand(): Command {
  return new Command('dashboards').description('(not yet implemented)');
}
