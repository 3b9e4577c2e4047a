// `npm run bench [name...]`: runs benchmarks, prints each as a table, writes .bench/<name>.json.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatTable, machineSummary, ROOT } from './lib.js';

/**
 * Every benchmark, by name. Each module exports `run(): Promise<BenchResult>`; imported lazily
 * so one bench's heavy dependencies never slow another down.
 * @type {Record<string, () => Promise<{ run: () => Promise<import('./lib.js').BenchResult> }>>}
 */
const BENCHES = {
	shell: () => import('./shell.js'),
	search: () => import('./search.js'),
	download: () => import('./download.js'),
	llm: () => import('./llm.js'),
	gguf: () => import('./gguf.js'),
	python: () => import('./python.js'),
	knowledge: () => import('./knowledge.js'),
	voice: () => import('./voice.js'),
	store: () => import('./store.js'),
	llamacpp: () => import('./llamacpp.js'),
	calls: () => import('./calls.js'),
	api: () => import('./api.js'),
	evals: () => import('./evals.js'),
	files: () => import('./files.js'),
	cli: () => import('./cli.js'),
	index: () => import('./index.js')
};

async function main() {
	const args = process.argv.slice(2);
	const known = Object.keys(BENCHES);
	if (args.includes('--help') || args.includes('-h')) {
		console.log(`Usage: npm run bench [name...]\nKnown benches: ${known.join(', ')}`);
		return;
	}
	const names = args.length > 0 ? args : known;
	const unknown = names.filter((name) => !Object.hasOwn(BENCHES, name));
	if (unknown.length > 0) {
		throw new Error(`Unknown bench: ${unknown.join(', ')}. Known benches: ${known.join(', ')}`);
	}

	const machine = machineSummary();
	console.log(`Machine: ${machine}\n`);
	const outDir = path.join(ROOT, '.bench');
	await mkdir(outDir, { recursive: true });

	let failures = 0;
	for (const name of names) {
		const load = /** @type {(typeof BENCHES)[string]} */ (BENCHES[name]);
		const started = performance.now();
		try {
			const result = await (await load()).run();
			const seconds = (performance.now() - started) / 1000;
			console.log(`${result.title}  [${name}, ${seconds.toFixed(1)} s]`);
			console.log(formatTable(result.rows));
			for (const note of result.notes ?? []) console.log(`  * ${note}`);
			console.log('');
			const file = path.join(outDir, `${name}.json`);
			const record = { name, date: new Date().toISOString(), machine, seconds, ...result };
			await writeFile(file, `${JSON.stringify(record, null, '\t')}\n`);
		} catch (error) {
			failures++;
			console.error(`Bench '${name}' failed: ${error instanceof Error ? error.message : error}\n`);
		}
	}
	if (failures > 0) process.exitCode = 1;
}

main().catch((/** @type {unknown} */ error) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
