// `npm run mutate [-- <module>…]`: mutation testing (StrykerJS) of the modules that guard the
// user. Each mutant is a small bug planted in the code; the unit tests that cover it must fail.
// The score per module is how many they caught. Not part of `npm test`: a full run is slow.
//
//   npm run mutate                      every module below
//   npm run mutate -- markdown net      only these (or HEARTH_MUTATE=markdown,net)
//   npm run mutate -- --list            the modules and their files
//   npm run mutate -- markdown --concurrency 2
//   npm run mutate -- markdown --related   every test file importing the module, not only its own
//   npm run mutate -- net --incremental    only mutants whose code or covering tests changed since
//                                          the last --incremental run of the same modules
//   npm run mutate -- taint --mutate src/lib/agent/taint.ts:40-60   only these lines (repeatable)
//
// Reports, per set of modules run (reports/mutation/<module>[+<module>…]/): index.html (every
// mutant, with the tests that ran), mutation.json, and survivors.txt (what no test caught).
import { Stryker } from '@stryker-mutator/core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `tests`: the unit test files that test the module, and only they run for its mutants (Stryker's
 * `testFiles`). Without a list vitest's `related` pulled in every test file that imports a mutated
 * file through any chain (chat state, model-loading and embedding tests among them) into the dry
 * run, and each of those files was imported again for every mutant it covered.
 * @type {Record<string, { guards: string, files: string[], tests: string[] }>}
 */
const MODULES = {
	taint: {
		guards: 'untrusted text and the confirmations it triggers',
		files: [
			'src/lib/agent/taint.ts',
			'src/lib/agent/untrusted.ts',
			'src/lib/agent/untrusted-origins.ts',
			'src/lib/agent/tool-call.ts'
		],
		// The agent loop's tests reach tool-call.ts (the gate runs inside performCall).
		tests: [
			'src/lib/agent/taint.test.ts',
			'src/lib/agent/tool-call.test.ts',
			'src/lib/agent/untrusted-origins.test.ts',
			'src/lib/agent/guards.test.ts',
			'src/lib/agent/loop.test.ts',
			'src/lib/agent/loop-safety.test.ts',
			'src/lib/agent/tool-requests.test.ts',
			'src/lib/agent/schema-mode.test.ts',
			'src/lib/memory/provenance.test.ts',
			'src/lib/evals/graders/graders.test.ts',
			'src/lib/tools/file-plan.test.ts'
		]
	},
	net: {
		guards: 'addresses, redirects and request limits',
		files: ['src/lib/net/address.ts', 'src/lib/net/redirects.ts', 'src/lib/net/request.ts'],
		// The tools that fetch are where redirects and request limits are tested.
		tests: [
			'src/lib/net/*.test.ts',
			'src/lib/tools/fetch-page.test.ts',
			'src/lib/tools/weather.test.ts',
			'src/lib/tools/web-search.test.ts',
			'src/lib/tools/python.test.ts'
		]
	},
	files: {
		guards: 'shared-folder paths and access',
		files: ['src/lib/files/paths.ts', 'src/lib/files/access.ts'],
		tests: [
			'src/lib/files/*.test.ts',
			'src/lib/tools/files.test.ts',
			'src/lib/tools/file-plan.test.ts',
			'src/lib/tools/all-tools.test.ts',
			'src/node/config-file.test.ts'
		]
	},
	markdown: {
		guards: 'the markdown sanitizer and URL rules',
		files: [
			'src/lib/utils/markdown-sanitize.ts',
			'src/lib/utils/markdown-urls.ts',
			'src/lib/utils/markdown-guards.ts'
		],
		tests: ['src/lib/utils/markdown*.test.ts']
	},
	export: {
		guards: 'backup (export/import) validation',
		files: ['src/lib/storage/export-schema.ts', 'src/lib/storage/export.ts'],
		tests: ['src/lib/storage/export*.test.ts']
	},
	python: {
		guards: "the Python sandbox's host-side rules",
		files: [
			'workers/python-host.ts',
			'workers/python-lockdown.ts',
			'src/lib/python/connection.ts',
			'src/lib/python/sandbox.ts',
			'src/lib/python/shared.ts'
		],
		// python-host.test.ts runs real Pyodide: the host's rules are about what Python may do.
		tests: [
			'workers/python-*.test.ts',
			'src/lib/python/*.test.ts',
			'src/lib/tools/python.test.ts',
			'src/lib/evals/code-sandbox.test.ts'
		]
	}
};

/**
 * One folder per set of modules (`reports/mutation/taint`, `reports/mutation/markdown+net`): a run
 * of one module neither overwrites another's survivors nor drops its record for --incremental,
 * and two modules can be measured at the same time.
 * @param {string[]} names
 */
const reportsFor = (names) => `reports/mutation/${names.join('+')}`;

/** @param {string[]} argv */
function parseArgs(argv) {
	const names = [];
	let concurrency;
	let list = false;
	let related = false;
	let incremental = false;
	/** @type {string[]} */
	const only = [];
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i] ?? '';
		if (arg === '--list') list = true;
		else if (arg === '--related') related = true;
		else if (arg === '--incremental') incremental = true;
		else if (arg === '--concurrency') concurrency = Number(argv[++i]);
		else if (arg === '--mutate') only.push(argv[++i] ?? '');
		else names.push(arg);
	}
	if (names.length === 0 && process.env.HEARTH_MUTATE) {
		names.push(...process.env.HEARTH_MUTATE.split(',').filter(Boolean));
	}
	const unknown = names.filter((n) => !(n in MODULES));
	if (unknown.length > 0) {
		throw new Error(`No module ${unknown.join(', ')}; known: ${Object.keys(MODULES).join(', ')}`);
	}
	return {
		names: names.length > 0 ? names : Object.keys(MODULES),
		concurrency,
		list,
		related,
		incremental,
		only
	};
}

/**
 * Stryker's mutation score: caught (killed or timed out) over every mutant that ran or that no
 * test covers; mutants that did not compile or were ignored do not count.
 * @param {{ status: string }[]} mutants
 */
function score(mutants) {
	const count = (/** @type {string} */ s) => mutants.filter((m) => m.status === s).length;
	const caught = count('Killed') + count('Timeout');
	const counted = caught + count('Survived') + count('NoCoverage');
	return {
		killed: count('Killed'),
		timeout: count('Timeout'),
		survived: count('Survived'),
		noCoverage: count('NoCoverage'),
		errors: count('CompileError') + count('RuntimeError'),
		score: counted === 0 ? null : (100 * caught) / counted
	};
}

async function main() {
	const { names, concurrency, list, related, incremental, only } = parseArgs(process.argv.slice(2));
	const REPORTS = reportsFor(names);
	if (list) {
		for (const [name, m] of Object.entries(MODULES)) {
			console.log(`${name.padEnd(9)} ${m.guards}\n          ${m.files.join('\n          ')}`);
			console.log(`  tests   ${m.tests.join('\n          ')}`);
		}
		return;
	}
	// vite.config.ts leaves *.slow.test.ts out when this is set; the workers inherit it.
	process.env.HEARTH_MUTATION = '1';
	// The sandbox leaves .svelte-kit out, and tsconfig.json extends the one generated there: a fresh
	// clone has none until something syncs (the dry run then fails on every file's transform).
	execFileSync('npx', ['svelte-kit', 'sync'], { stdio: 'inherit' });
	const started = Date.now();
	const results = await new Stryker({
		testRunner: 'vitest',
		plugins: ['@stryker-mutator/vitest-runner'],
		// Only the module's own test files run (MODULES[…].tests), and per mutant only the tests of
		// those that reach it (perTest coverage). `--related` instead runs every unit test file that
		// imports a mutated file through any chain (vitest's related): slower, kept to compare.
		vitest: { configFile: 'vite.config.ts', related },
		...(related ? {} : { testFiles: names.flatMap((n) => MODULES[n]?.tests ?? []) }),
		coverageAnalysis: 'perTest',
		// --mutate narrows to files or line ranges of the module (`src/lib/agent/taint.ts:40-60`):
		// re-checking a few survivors without the whole module.
		mutate: only.length > 0 ? only : names.flatMap((n) => MODULES[n]?.files ?? []),
		...(concurrency ? { concurrency } : {}),
		// The sandbox copy leaves out what tests never read (builds, reports, caches).
		ignorePatterns: [
			'build',
			'.svelte-kit',
			'reports',
			'test-results',
			'.test-reports',
			'playwright-report',
			'.bench',
			'bench'
		],
		// --incremental reuses the last run's result for every mutant whose code and covering tests
		// did not change (Stryker's incremental mode): re-checking survivors after new tests.
		incremental,
		incrementalFile: `${REPORTS}/incremental.json`,
		timeoutMS: 10_000,
		reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
		htmlReporter: { fileName: `${REPORTS}/index.html` },
		jsonReporter: { fileName: `${REPORTS}/mutation.json` },
		thresholds: { high: 85, low: 70, break: null },
		cleanTempDir: 'always'
	}).runMutationTest();

	const rows = names.map((name) => {
		const files = new Set(MODULES[name]?.files.map((f) => path.resolve(f)));
		const mutants = results.filter((r) => files.has(path.resolve(r.fileName)));
		return { name, mutants, ...score(mutants) };
	});
	const survivors = rows.flatMap(({ name, mutants }) =>
		mutants
			.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')
			.map(
				(m) =>
					`${name}\t${path.relative('.', m.fileName)}:${m.location.start.line}\t${m.status}\t` +
					`${m.mutatorName}\t${JSON.stringify(m.replacement ?? '')}`
			)
	);
	mkdirSync(REPORTS, { recursive: true });
	writeFileSync(`${REPORTS}/survivors.txt`, survivors.join('\n') + '\n');

	console.log(
		'\n| module | mutants | killed | timeout | survived | no coverage | errors | score |'
	);
	console.log('|---|---|---|---|---|---|---|---|');
	for (const r of rows) {
		const shown = r.score === null ? '–' : `${r.score.toFixed(1)} %`;
		console.log(
			`| ${r.name} | ${r.mutants.length} | ${r.killed} | ${r.timeout} | ${r.survived} | ` +
				`${r.noCoverage} | ${r.errors} | ${shown} |`
		);
	}
	const minutes = ((Date.now() - started) / 60_000).toFixed(1);
	console.log(`\n${results.length} mutants in ${minutes} min. Survivors: ${REPORTS}/survivors.txt`);
}

await main();
