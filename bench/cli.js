// `npm run bench -- cli`: the terminal face as a user runs it, whole processes. Start time of
// `hearth --help` (the bundle loaded) and `hearth history` (config, store, engines and tools
// built) against `node -e 0` in the same run; and stories260K through `hearth ask --raw` (one
// thread, greedy, 200 tokens) against a script calling node-llama-cpp directly with the same
// prompt tokens, each its own process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { median, ratio, ROOT, round } from './lib.js';

const BIN = path.join(ROOT, 'bin/hearth.js');
const MODEL = path.resolve(ROOT, '../shared/models/gguf/stories260K.gguf');
const RUNS = 5;
const TOKENS = 200;

/** CPU time (ms) of this process's finished children, from /proc (cutime + cstime, 100 Hz). */
function childrenCpuMs() {
	const stat = readFileSync('/proc/self/stat', 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** @param {string[]} args @param {Record<string, string>} env */
function timed(args, env) {
	const cpu = childrenCpuMs();
	const started = performance.now();
	const run = spawnSync(process.execPath, args, {
		env: { ...process.env, ...env },
		encoding: 'utf8'
	});
	if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stderr}`);
	return { ms: performance.now() - started, cpu: childrenCpuMs() - cpu, stdout: run.stdout };
}

const DIRECT = `
import { getLlama, LlamaCompletion, LlamaLogLevel } from 'node-llama-cpp';
const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: process.argv[2], gpuLayers: 0 });
const context = await model.createContext({ threads: 1 });
const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
const chatml = '<|im_start|>user\\nOnce upon a time<|im_end|>\\n<|im_start|>assistant\\n';
const tokens = [...model.tokenize('BOS', 'builtin'), ...model.tokenize(chatml, true)];
let first = 0; let count = 0; const started = performance.now();
await completion.generateCompletion(tokens, { temperature: 0, maxTokens: ${TOKENS},
  onToken: (t) => { if (!first) first = performance.now(); count += t.length; } });
const end = performance.now();
console.log(JSON.stringify({ tokens: count, decode: (count - 1) / ((end - first) / 1000) }));
`;

/**
 * @param {string} metric
 * @param {{ ms: number, cpu: number }[]} ours
 * @param {{ ms: number, cpu: number }[]} base
 * @param {string} baseName
 */
function row(metric, ours, base, baseName) {
	const wall = (runs) => median(runs.map((r) => r.ms));
	const cpu = (runs) => median(runs.map((r) => r.cpu));
	return {
		metric,
		'wall ms': round(wall(ours), 0),
		'CPU ms': round(cpu(ours), 0),
		baseline: baseName,
		'baseline wall ms': round(wall(base), 0),
		'baseline CPU ms': round(cpu(base), 0),
		'CPU ratio': ratio(cpu(ours), cpu(base))
	};
}

export async function run() {
	const home = mkdtempSync(path.join(tmpdir(), 'hearth-bench-cli-'));
	const env = { HEARTH_HOME: home, OLLAMA_HOST: '127.0.0.1:9' };
	try {
		timed([BIN, '--help'], env); // builds the bundle if a source changed
		const node = [];
		const help = [];
		const history = [];
		for (let r = 0; r < RUNS; r++) {
			node.push(timed(['-e', '0'], env));
			help.push(timed([BIN, '--help'], env));
			history.push(timed([BIN, 'history'], env));
		}
		const rows = [
			row('hearth --help (bundle loaded)', help, node, 'node -e 0'),
			row('hearth history (runtime built, store read)', history, node, 'node -e 0')
		];
		const notes = [
			`Median of ${RUNS} alternating runs; load average ${loadavg()[0].toFixed(1)}. CPU ms is the child process's user + system time (/proc), steadier than wall time on a loaded machine.`
		];
		if (existsSync(MODEL)) {
			// Inside the repository, so the script resolves node-llama-cpp from its node_modules.
			mkdirSync(path.join(ROOT, '.bench'), { recursive: true });
			const script = path.join(ROOT, '.bench', 'cli-direct.mjs');
			writeFileSync(script, DIRECT);
			const ours = [];
			const direct = [];
			const rates = { ours: [], direct: [] };
			for (let r = 0; r < RUNS; r++) {
				const a = timed(
					[
						BIN,
						'ask',
						'--json',
						'--raw',
						'--threads',
						'1',
						'--temperature',
						'0',
						'--max-tokens',
						String(TOKENS),
						'--model',
						MODEL,
						'Once upon a time'
					],
					env
				);
				ours.push(a);
				rates.ours.push(JSON.parse(a.stdout).timings?.decodeTokensPerSecond ?? NaN);
				const b = timed([script, MODEL], env);
				direct.push(b);
				rates.direct.push(JSON.parse(b.stdout).decode);
			}
			rows.push(
				row(
					`hearth ask --raw, stories260K, ${TOKENS} tokens, 1 thread`,
					ours,
					direct,
					'node-llama-cpp script'
				)
			);
			notes.push(
				`Decode tokens/s (median): hearth ${round(median(rates.ours), 0)}, node-llama-cpp direct ${round(median(rates.direct), 0)} (${ratio(median(rates.ours), median(rates.direct))}); wall-clock rates swing widely with the load.`,
				'Both processes start Node and load the model each run; hearth also opens its store, builds its tools and saves the conversation.'
			);
		} else notes.push(`stories260K rows skipped: ${MODEL} not found`);
		return {
			title: 'Terminal face: whole processes, hearth vs a baseline in the same run',
			rows,
			notes
		};
	} finally {
		rmSync(home, { recursive: true, force: true });
	}
}
