/**
 * `npm run simulate`: the simulated Anthropic and OpenAI servers as a standalone process, for
 * manual runs and for tests that drive the simulator from another process (see `--json`).
 */
import { Command, InvalidArgumentError } from 'commander';
import { demoScript } from './demo-script';
import { loadSimulatorScript, SimulatorScriptError } from './load-simulator-script';
import { RouterbenchDataError } from './routerbench-dataset';
import { type SimulatorScript } from './simulator-script';
import { startSimulator } from './start-simulator';

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
    throw new InvalidArgumentError('must be a port number (0 picks a free one)');
  return parsed;
}

interface CliOptions {
  host: string;
  anthropicPort: number;
  openaiPort: number;
  script?: string;
  demo?: boolean;
  replay?: string[];
  json?: boolean;
}

async function main(): Promise<void> {
  const program = new Command('simulate')
    .description('Run simulated Anthropic and OpenAI APIs on loopback. Every answer they give is simulated.')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--anthropic-port <port>', 'port of the Anthropic server (0: a free port)', port, 0)
    .option('--openai-port <port>', 'port of the OpenAI server (0: a free port)', port, 0)
    .option('--script <file>', 'behaviour script, YAML or JSON (see simulator/simulator-script.ts)')
    .option('--demo', "use the demo script (the example config's models)")
    .option(
      '--replay <csv...>',
      'RouterBench CSVs to replay, loaded at start (default: the shared train splits, loaded on first use)',
    )
    .option('--json', 'print the endpoints as one JSON line, for a parent process to read')
    .showHelpAfterError();
  program.parse();
  const options = program.opts<CliOptions>();
  if (options.script && options.demo) program.error('give --script or --demo, not both');

  let script: SimulatorScript | undefined;
  if (options.script) script = await loadSimulatorScript(options.script);
  else if (options.demo) script = demoScript;

  const simulator = await startSimulator({
    host: options.host,
    anthropicPort: options.anthropicPort,
    openaiPort: options.openaiPort,
    ...(script ? { script } : {}),
    ...(options.replay ? { replayFiles: options.replay, preloadReplay: true } : {}),
  });

  if (options.json) {
    console.log(
      JSON.stringify({
        anthropicUrl: simulator.anthropic.url,
        openaiUrl: simulator.openai.url,
        openaiBaseURL: simulator.openai.baseURL,
      }),
    );
  } else {
    console.log('Simulated providers are running. Their answers are simulated, not from real models.');
    console.log(`  Anthropic  ${simulator.anthropic.url}   (SDK baseURL: ${simulator.anthropic.baseURL})`);
    console.log(`  OpenAI     ${simulator.openai.url}   (SDK baseURL: ${simulator.openai.baseURL})`);
    console.log(`  Admin      ${simulator.anthropic.url}/_admin  (also on the OpenAI port)`);
    console.log('Press Ctrl-C to stop.');
  }

  const shutdown = () => {
    simulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  const known = error instanceof SimulatorScriptError || error instanceof RouterbenchDataError;
  console.error(known ? (error as Error).message : error);
  process.exit(1);
});
