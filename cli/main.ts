import { Command, CommanderError } from 'commander';
import { BondtrackError, describeError } from '../runtime/errors.js';
import { accuracyCommand } from './commands/accuracy.js';
import { adapterCommand } from './commands/adapter.js';
import { benchCommand } from './commands/bench.js';
import { customsCommand } from './commands/customs.js';
import { dashboardsCommand } from './commands/dashboards.js';
import { dbCommand } from './commands/db.js';
import { demoCommand } from './commands/demo.js';
import { epcCommand } from './commands/epc.js';
import { epcisCommand } from './commands/epcis.js';
import { llrpCommand } from './commands/llrp.js';
import { parseCommand } from './commands/parse.js';
import { pipelineCommand } from './commands/pipeline.js';
import { replayCommand } from './commands/replay.js';
import { servicesCommand } from './commands/services.js';
import { simulateCommand } from './commands/simulate.js';

/** A thin dispatcher: one file per subcommand under cli/commands/. */
const program = new Command('bondtrack')
  .description(
    'RFID pallet tracking for customs-bonded zones. Connection settings come from flags, then the ' +
      'environment (MQTT_URL, KAFKA_BROKERS, DATABASE_URL, DATABASE_SCHEMA, BONDTRACK_TOPIC_PREFIX, ' +
      'BONDTRACK_SITE), then a config file (--config or BONDTRACK_CONFIG, YAML or JSON), then defaults. ' +
      'Logs are JSON on stderr; LOG_LEVEL sets their level.',
  )
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

program.addCommand(servicesCommand());
program.addCommand(simulateCommand());
program.addCommand(adapterCommand());
program.addCommand(pipelineCommand());
program.addCommand(replayCommand());
program.addCommand(demoCommand());
program.addCommand(dbCommand());
program.addCommand(parseCommand());
program.addCommand(customsCommand());
program.addCommand(accuracyCommand());
program.addCommand(dashboardsCommand());
program.addCommand(epcisCommand());
program.addCommand(epcCommand());
program.addCommand(benchCommand());
program.addCommand(llrpCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here with exit code 0; usage errors were already printed.
    process.exitCode = err.exitCode;
  } else if (err instanceof BondtrackError) {
    process.stderr.write(`bondtrack: ${err.message} [${err.code}]\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`bondtrack: ${describeError(err)}\n`);
    if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  }
}
