// `hearth`: the terminal face. Parses the command line and runs one command; the exit code says
// how it went (see EXIT).
import { parseArgs } from 'node:util';
import { toHearthError } from '$lib/types/errors';
import { createNodeRuntime, type NodeRuntime } from '../node/runtime';
import { startServe } from '../server/serve';
import { askCommand } from './ask';
import { exportCommand, importCommand } from './backup';
import { configCommand } from './config';
import { evalCommand } from './eval';
import { EXIT, exitCodeFor } from './exit-codes';
import { historyCommand } from './history';
import { indexCommand } from './index-command';
import { memoriesCommand } from './memories';
import { modelsCommand } from './models';
import { remindersCommand } from './reminders';
import { terminalOutput } from './render';
import { chatCommand } from './repl';

const HELP = `Hearth in the terminal: a private assistant on your own models.

Usage:
  hearth [chat] [--resume ID]        talk (Ctrl-C stops an answer; /help lists commands)
  hearth ask "question" [--json]     one answer; piped input is added to the question
  hearth history [ID] [--search W]   past conversations, or one in full
  hearth index FOLDER                index a folder's documents for answers (again: only changes)
  hearth index [--search Q]          the indexed folders, or what a search finds in them
  hearth index FOLDER --remove       forget an indexed folder
  hearth models                      the models each engine offers, and the GGUF catalog
  hearth models download [KEY]       download a catalog model (default: the recommended one)
  hearth memories [proposals]        memories (every face shares them), or the proposals alone
  hearth memories keep|discard ID... settle proposed memories (--all: every one)
  hearth ledger                      the newest outbound requests (the privacy ledger)
  hearth reminders [--all]           scheduled reminders (cancel ID cancels one)
  hearth export [FILE|-] [--force]   everything, in the web app's backup format
  hearth import FILE                 a backup from the web app or hearth export (merged)
  hearth config [get KEY|set KEY V]  settings (config.yaml's keys, e.g. ai.temperature)
  hearth eval [SET|FILE] [-m M]...   run an eval set (default: the built-in hearth-core) on
                                     each --model in turn and compare them (--only ID,ID;
                                     --set ID picks one set of a file; --json; Ctrl-C stops)
  hearth serve [--port N] [--help]   the local API (OpenAI-compatible, token) and the web app

Options:
  --model M        a .gguf file (llama.cpp, no server) or a model of the configured engine
                   (eval: repeat it to compare models)
  --threads N      llama.cpp threads (default: config, else half the cores)
  --temperature T  sampling temperature for this run (0: greedy)
  --max-tokens N   longest answer for this run
  --raw            the model alone: no agent prompt, tools or memories (base models)
  --no-tools       answer without tools (small models: their window cannot hold them)
  --agent ID       the agent for this answer (chat, research, code, task…; default: routed)
  --json           machine-readable output (ask, history, models, index)
  -h, --help       this help

Engines: OLLAMA_HOST, OPENAI_BASE_URL and OPENAI_API_KEY are honoured; settings live in
$XDG_CONFIG_HOME/hearth/config.yaml, data in $XDG_DATA_HOME/hearth (HEARTH_HOME: one folder).
Exit codes: 0 ok, 1 answer failed, 2 usage, 3 config, 4 no engine, 5 storage, 130 Ctrl-C.`;

export interface CliValues {
	/** Every --model given (eval compares them; the other commands use the last). */
	model?: string[];
	threads?: string;
	temperature?: string;
	'max-tokens'?: string;
	'no-tools'?: boolean;
	raw?: boolean;
	json?: boolean;
	resume?: string;
	search?: string;
	force?: boolean;
	all?: boolean;
	remove?: boolean;
	agent?: string;
	set?: string;
	only?: string;
	help?: boolean;
}

/** `hearth serve`: the local API and the web app, over the same runtime as the terminal. */
async function serveCommand(argv: string[]): Promise<number> {
	try {
		const running = await startServe(argv, {
			compose: async () => {
				const runtime = await createNodeRuntime({
					onError: (e) => process.stderr.write(`hearth: ${e.message}\n`)
				});
				return {
					store: runtime.store,
					engines: runtime.engines,
					models: async () =>
						(await runtime.engines.listModels()).flatMap((list) =>
							list.models.map((m) => ({
								id: m.id,
								kind: list.kind,
								...(m.contextLength ? { contextLength: m.contextLength } : {})
							}))
						),
					settings: () => runtime.settings,
					tools: runtime.tools,
					memory: runtime.memory,
					dispose: () => runtime.close()
				};
			}
		});
		void running; // null after --help; otherwise it serves until SIGINT/SIGTERM
		return EXIT.ok;
	} catch (e) {
		process.stderr.write(`hearth serve: ${toHearthError(e).message}\n`);
		return exitCodeFor(e);
	}
}

export async function main(argv: string[]): Promise<number> {
	// serve has its own flags (--port, --host, --allow-remote, --cors): parsed by the server.
	if (argv[0] === 'serve') return serveCommand(argv.slice(1));
	const stderr = terminalOutput(process.stderr);
	let parsed;
	try {
		parsed = parseArgs({
			args: argv,
			allowPositionals: true,
			options: {
				model: { type: 'string', short: 'm', multiple: true },
				threads: { type: 'string' },
				temperature: { type: 'string' },
				'max-tokens': { type: 'string' },
				'no-tools': { type: 'boolean' },
				raw: { type: 'boolean' },
				json: { type: 'boolean' },
				resume: { type: 'string', short: 'r' },
				search: { type: 'string' },
				force: { type: 'boolean' },
				all: { type: 'boolean' },
				remove: { type: 'boolean' },
				agent: { type: 'string' },
				set: { type: 'string' },
				only: { type: 'string' },
				help: { type: 'boolean', short: 'h' }
			}
		});
	} catch (e) {
		stderr.write(`hearth: ${(e as Error).message}\n\n${HELP}\n`);
		return EXIT.usage;
	}
	const values = parsed.values as CliValues;
	const [command = 'chat', ...rest] = parsed.positionals;
	if (values.help || command === 'help') {
		process.stdout.write(`${HELP}\n`);
		return EXIT.ok;
	}
	const known = [
		'chat',
		'ask',
		'history',
		'models',
		'ledger',
		'memories',
		'index',
		'reminders',
		'export',
		'import',
		'config',
		'eval'
	];
	if (!known.includes(command)) {
		stderr.write(`hearth: unknown command "${command}"\n\n${HELP}\n`);
		return EXIT.usage;
	}
	const threads = values.threads === undefined ? undefined : Number(values.threads);
	if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 256)) {
		stderr.write('hearth: --threads must be a whole number between 1 and 256\n');
		return EXIT.usage;
	}
	const temperature = values.temperature === undefined ? undefined : Number(values.temperature);
	if (temperature !== undefined && !(temperature >= 0 && temperature <= 2)) {
		stderr.write('hearth: --temperature must be a number between 0 and 2\n');
		return EXIT.usage;
	}
	const maxTokens = values['max-tokens'] === undefined ? undefined : Number(values['max-tokens']);
	if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens >= 1)) {
		stderr.write('hearth: --max-tokens must be a whole number of at least 1\n');
		return EXIT.usage;
	}
	let runtime: NodeRuntime;
	try {
		runtime = await createNodeRuntime({
			// eval builds an engine for each of its models itself.
			model: command === 'eval' ? undefined : values.model?.at(-1),
			threads,
			temperature,
			maxTokens,
			noTools: values['no-tools'],
			onError: (e) => stderr.write(`hearth: ${e.message}\n`)
		});
	} catch (e) {
		stderr.write(`hearth: ${toHearthError(e).message}\n`);
		return exitCodeFor(e);
	}
	for (const folder of runtime.missingFolders) {
		stderr.write(
			`hearth: files.allowed_folders names ${folder}, which does not exist (left out)\n`
		);
	}
	try {
		switch (command) {
			case 'ask':
				return await askCommand(runtime, rest, values);
			case 'history':
				return await historyCommand(runtime, rest, values);
			case 'index':
				return await indexCommand(runtime, rest, values);
			case 'models':
				return await modelsCommand(runtime, rest, values);
			case 'reminders':
				return await remindersCommand(runtime, rest, values);
			case 'memories':
				return await memoriesCommand(runtime, rest, values);
			case 'export':
				return await exportCommand(runtime, rest, values);
			case 'import':
				return await importCommand(runtime, rest, values);
			case 'config':
				return await configCommand(runtime, rest, values);
			case 'eval':
				if (rest.length > 1) {
					stderr.write('hearth eval: one set at a time (hearth eval FILE --set ID)\n');
					return EXIT.usage;
				}
				return await evalCommand(runtime, rest[0], {
					models: values.model ?? [],
					set: values.set,
					only: values.only?.split(',').map((id) => id.trim()),
					maxTokens,
					json: values.json
				});
			case 'ledger': {
				const out = terminalOutput();
				const entries = runtime.ledger(50);
				if (values.json) out.write(`${JSON.stringify(entries, null, 2)}\n`);
				for (const e of values.json ? [] : entries.reverse()) {
					out.write(
						`${new Date(e.at).toISOString()}  ${e.method} ${e.url}  ${e.outcome}${e.status ? ` ${e.status}` : ''}  ${e.purpose}\n`
					);
				}
				return EXIT.ok;
			}
			default:
				return await chatCommand(runtime, values);
		}
	} catch (e) {
		stderr.write(`hearth: ${toHearthError(e).message}\n`);
		return exitCodeFor(e);
	} finally {
		await runtime.close();
	}
}
