// `npm run bench -- index`: `hearth index <folder>` as a user runs it, whole processes, over
// SciFact abstracts written out as Markdown files (../shared/data). Baseline in the same run:
// the same folder indexed keyword-only (no embedding model in models_dir). Then a re-index with
// nothing changed, and one with a tenth of the files changed, against the first full index.
// The embedder is the generated bow-embedder (../shared/models): it measures the pipeline and
// ONNX Runtime, not a real model's cost (a real model is several times heavier per passage).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ratio, ROOT, round } from './lib.js';

const BIN = path.join(ROOT, 'bin/hearth.js');
const CORPUS = path.resolve(ROOT, '../shared/data/scifact/corpus.jsonl');
const MODELS = path.resolve(ROOT, '../shared/models');
const FILES = 400;

/** CPU time (ms) of this process's finished children, from /proc (cutime + cstime, 100 Hz). */
function childrenCpuMs() {
	const stat = readFileSync('/proc/self/stat', 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** @param {string} home @param {string[]} args */
function hearth(home, args) {
	const cpu = childrenCpuMs();
	const started = performance.now();
	const run = spawnSync(process.execPath, [BIN, ...args], {
		cwd: home,
		env: {
			PATH: process.env.PATH ?? '',
			HOME: home,
			HEARTH_HOME: home,
			OLLAMA_HOST: '127.0.0.1:9'
		},
		encoding: 'utf8'
	});
	if (run.status !== 0) throw new Error(`hearth ${args.join(' ')} failed: ${run.stderr}`);
	return {
		ms: performance.now() - started,
		cpu: childrenCpuMs() - cpu,
		result: args.includes('--json') ? JSON.parse(run.stdout) : null
	};
}

/** @param {string} home @param {string} modelsDir */
function setUp(home, modelsDir) {
	writeFileSync(
		path.join(home, 'config.yaml'),
		`knowledge:\n  embedding_model: hearth-test/bow-embedder\n  models_dir: ${modelsDir}\n`
	);
	const docs = readFileSync(CORPUS, 'utf8').split('\n').filter(Boolean).slice(0, FILES);
	const folder = path.join(home, 'corpus');
	mkdirSync(folder, { recursive: true });
	docs.forEach((line, i) => {
		const doc = JSON.parse(line);
		writeFileSync(
			path.join(folder, `${String(i).padStart(4, '0')}.md`),
			`# ${doc.title}\n\n${doc.text}\n`
		);
	});
	return folder;
}

export async function run() {
	if (!existsSync(CORPUS) || !existsSync(MODELS)) {
		return {
			title: 'hearth index',
			rows: [],
			notes: [`skipped: ../shared/data or ../shared/models missing`]
		};
	}
	const dense = mkdtempSync(path.join(tmpdir(), 'hearth-bench-index-'));
	const lexical = mkdtempSync(path.join(tmpdir(), 'hearth-bench-index-kw-'));
	try {
		const denseFolder = setUp(dense, MODELS);
		setUp(lexical, path.join(lexical, 'no-models'));
		hearth(dense, ['--help']); // builds the bundle if a source changed
		const keyword = hearth(lexical, ['index', 'corpus', '--json']);
		const full = hearth(dense, ['index', 'corpus', '--json']);
		const unchanged = hearth(dense, ['index', 'corpus', '--json']);
		for (let i = 0; i < FILES; i += 10) {
			const file = path.join(denseFolder, `${String(i).padStart(4, '0')}.md`);
			writeFileSync(file, `${readFileSync(file, 'utf8')}\nEdited for the benchmark.\n`);
		}
		const tenth = hearth(dense, ['index', 'corpus', '--json']);
		const perFile = (/** @type {{ cpu: number }} */ r) => round(r.cpu / FILES, 2);
		const rowOf = (
			/** @type {string} */ what,
			/** @type {{ ms: number, cpu: number, result: any }} */ r,
			/** @type {{ cpu: number }} */ base,
			/** @type {string} */ baseName
		) => ({
			run: what,
			files: r.result.filesTotal,
			indexed: r.result.filesIndexed,
			passages: r.result.chunks,
			embedded: r.result.embedded,
			'wall ms': round(r.ms, 0),
			'CPU ms': round(r.cpu, 0),
			'CPU ms per file': perFile(r),
			baseline: baseName,
			'CPU ratio': ratio(r.cpu, base.cpu)
		});
		return {
			title: `hearth index: ${FILES} SciFact abstracts as Markdown, whole processes`,
			rows: [
				rowOf('keyword only (no model)', keyword, keyword, 'itself'),
				rowOf('with embeddings (bow-embedder)', full, keyword, 'keyword only'),
				rowOf('again, nothing changed', unchanged, full, 'first index'),
				rowOf('again, 1 file in 10 changed', tenth, full, 'first index')
			],
			notes: [
				'Each run is one `hearth index corpus --json` process (Node start, bundle, store included).',
				'CPU time (user + system of the process) is compared: wall time on a shared machine is mostly waiting.',
				'The generated bow-embedder is tiny; a real model (gte-small) costs more per passage.'
			]
		};
	} finally {
		rmSync(dense, { recursive: true, force: true });
		rmSync(lexical, { recursive: true, force: true });
	}
}
