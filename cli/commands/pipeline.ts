import { Command } from 'commander';

// Placeholder until this command is written; replaced by its owner.
export function pipelineCommand(): Command {
  return new Command('pipeline').description('(not yet implemented)');
}
