// Knowledge benchmark, in Node (one process, so Voy and the flat scan share a machine state):
// retrieval quality on SciFact (BEIR layout in ../shared/data/scifact) for our BM25, minisearch's
// BM25+ (the library baseline), dense and hybrid (only when real embedding weights are given),
// next to the published anchors; then query latency of FlatIndex (the JS scan as baseline, the
// default WebAssembly SIMD scan, int8) and VoyIndex on synthetic normalised 384-d vectors at 10k
// and 100k. HEARTH_BENCH_KNOWLEDGE=latency (or =quality) runs one part only; =browser measures the
// flat scans in a Chromium worker instead.
//
// Dense/hybrid rows need HEARTH_EMBED_MODELS: a folder holding `<model id>/` with
// `onnx/model_quantized.onnx` (or `onnx/model.onnx`) and its tokenizer, e.g. ../shared/models.
// HEARTH_EMBED_MODEL picks the model (default: the first of MODELS present). Latency is measured
// in Node, not Chromium: V8 runs the same JS and wasm, but a browser worker may differ slightly.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createServer } from 'vite';
import { launchChromium, ROOT, ratio, round } from './lib.js';

const SCIFACT = path.resolve(ROOT, '../shared/data/scifact');
const SIZES = [10_000, 100_000];
const DIM = 384;
const QUERIES = 200;
/** Known embedders: pooling and query prefix as their model cards say; MTEB SciFact nDCG@10. */
const MODELS = [
	{
		id: 'Xenova/bge-small-en-v1.5',
		pooling: 'cls',
		anchor: 0.713,
		queryPrefix: 'Represent this sentence for searching relevant passages: '
	},
	{ id: 'Xenova/gte-small', pooling: 'mean', anchor: 0.727, queryPrefix: '' },
	{ id: 'Xenova/all-MiniLM-L6-v2', pooling: 'mean', anchor: 0.645, queryPrefix: '' }
];
const BM25_ANCHOR = 0.665;

/** @type {import('vite').ViteDevServer | undefined} */
let vite;

/**
 * Loads one of our TypeScript modules through Vite (the bench itself stays plain JS). One server
 * for the whole run: modules import more modules (voy-search's glue) after loading.
 * @param {string} file
 */
async function load(file) {
	vite ??= await createServer({
		configFile: false,
		root: ROOT,
		logLevel: 'error',
		appType: 'custom',
		server: { middlewareMode: true, hmr: false, ws: false },
		resolve: { alias: { $lib: path.join(ROOT, 'src/lib') } }
	});
	return vite.ssrLoadModule(path.join(ROOT, file));
}

/** @param {number[]} values @param {number} q */
function quantile(values, q) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** Picks the embedder from HEARTH_EMBED_MODELS, or says why there is none. */
function findModel() {
	const folder = process.env.HEARTH_EMBED_MODELS;
	if (!folder) return { why: 'skipped: no weights (HEARTH_EMBED_MODELS is not set)' };
	const wanted = process.env.HEARTH_EMBED_MODEL;
	const candidates = wanted
		? [
				MODELS.find((m) => m.id === wanted) ?? {
					id: wanted,
					pooling: 'mean',
					anchor: NaN,
					queryPrefix: ''
				}
			]
		: MODELS;
	for (const model of candidates) {
		for (const file of ['model_quantized.onnx', 'model.onnx']) {
			if (existsSync(path.join(folder, model.id, 'onnx', file))) {
				return {
					model,
					folder: path.resolve(folder),
					dtype: file === 'model.onnx' ? 'fp32' : 'q8'
				};
			}
		}
	}
	return {
		why: `skipped: no weights (none of ${candidates.map((m) => m.id).join(', ')} in ${folder})`
	};
}

async function embedder(found) {
	const { env, pipeline } = await import('@huggingface/transformers');
	env.allowRemoteModels = false;
	env.localModelPath = `${found.folder}/`;
	const extract = await pipeline('feature-extraction', found.model.id, { dtype: found.dtype });
	/** @param {string[]} texts @returns {Promise<Float32Array[]>} */
	return async (texts) => {
		const out = [];
		for (let i = 0; i < texts.length; i += 32) {
			const batch = texts.slice(i, i + 32);
			const tensor = await extract(batch, { pooling: found.model.pooling, normalize: true });
			const dim = tensor.dims[1];
			for (let j = 0; j < batch.length; j++) out.push(tensor.data.slice(j * dim, (j + 1) * dim));
		}
		return out;
	};
}

async function quality(rows, notes) {
	if (!existsSync(path.join(SCIFACT, 'corpus.jsonl'))) {
		rows.push({ row: 'SciFact quality', result: `skipped: ${SCIFACT}/corpus.jsonl not found` });
		return;
	}
	const beir = await load('src/lib/knowledge/index/beir.ts');
	const { Bm25Index } = await load('src/lib/knowledge/index/bm25-index.ts');
	const { MiniSearchIndex } = await load('src/lib/knowledge/index/minisearch-index.ts');
	const { FlatIndex } = await load('src/lib/knowledge/index/flat-index.ts');
	const { reciprocalRankFusion } = await load('src/lib/knowledge/index/hybrid.ts');
	const { evaluate } = await load('src/lib/knowledge/metrics.ts');
	const corpus = beir.parseCorpus(readFileSync(path.join(SCIFACT, 'corpus.jsonl'), 'utf8'));
	const queries = beir.parseQueries(readFileSync(path.join(SCIFACT, 'queries.jsonl'), 'utf8'));
	const qrels = beir.parseQrels(readFileSync(path.join(SCIFACT, 'qrels/test.tsv'), 'utf8'));
	const ids = [...qrels.keys()];

	/** @type {Map<string, Map<string, import('../src/lib/types/knowledge').SearchHit[]>>} */
	const lists = new Map();
	let baselineNdcg = NaN;
	for (const [name, make] of [
		['minisearch BM25+ (baseline)', () => new MiniSearchIndex()],
		['Hearth BM25 (Bm25Index)', () => new Bm25Index()]
	]) {
		const index = make();
		const started = performance.now();
		index.add(corpus);
		const indexMs = performance.now() - started;
		const hits = new Map();
		const times = [];
		for (const q of ids) {
			const t = performance.now();
			hits.set(q, index.search(queries.get(q) ?? '', 100));
			times.push(performance.now() - t);
		}
		lists.set(name, hits);
		const result = evaluate(new Map([...hits].map(([q, h]) => [q, h.map((x) => x.id)])), qrels);
		if (Number.isNaN(baselineNdcg)) baselineNdcg = result.ndcg10;
		rows.push({
			row: name,
			'nDCG@10': round(result.ndcg10, 3),
			'recall@100': round(result.recall100, 3),
			'BEIR anchor': BM25_ANCHOR,
			'vs baseline': ratio(result.ndcg10, baselineNdcg),
			'index docs/s': Math.round(corpus.length / (indexMs / 1000)),
			'query p50 ms': round(quantile(times, 0.5), 2)
		});
	}

	const found = findModel();
	if (!found.model) {
		rows.push({ row: 'dense', result: found.why });
		rows.push({ row: 'hybrid (RRF k=60)', result: found.why });
		return;
	}
	const embed = await embedder(found);
	const started = performance.now();
	const docVectors = await embed(corpus.map((d) => (d.title ? `${d.title} ${d.text}` : d.text)));
	const embedMs = performance.now() - started;
	const queryVectors = await embed(
		ids.map((q) => found.model.queryPrefix + (queries.get(q) ?? ''))
	);
	const dense = new FlatIndex({ dim: docVectors[0]?.length ?? DIM });
	dense.add(
		corpus.map((d) => d.id),
		docVectors
	);
	const denseHits = new Map(ids.map((q, i) => [q, dense.search(queryVectors[i], 100)]));
	const bm25 = lists.get('Hearth BM25 (Bm25Index)') ?? new Map();
	const hybridHits = new Map(
		ids.map((q) => [q, reciprocalRankFusion([bm25.get(q) ?? [], denseHits.get(q) ?? []], 60)])
	);
	for (const [name, hits, anchor] of [
		[`dense ${found.model.id} (${found.dtype})`, denseHits, found.model.anchor],
		['hybrid (RRF k=60, BM25 + dense)', hybridHits, '0.72 (goal)']
	]) {
		const result = evaluate(
			new Map([...hits].map(([q, h]) => [q, h.slice(0, 100).map((x) => x.id)])),
			qrels
		);
		rows.push({
			row: name,
			'nDCG@10': round(result.ndcg10, 3),
			'recall@100': round(result.recall100, 3),
			'BEIR anchor': typeof anchor === 'number' && !Number.isFinite(anchor) ? '-' : anchor,
			'vs baseline': ratio(result.ndcg10, baselineNdcg),
			'index docs/s': Math.round(corpus.length / (embedMs / 1000)),
			'query p50 ms': '-'
		});
	}
	notes.push(
		`dense index docs/s = embedding throughput of ${found.model.id} on this CPU (onnxruntime-node)`
	);
}

/** Untimed queries per index before timing, so JIT tiers and wasm compilation are settled. */
const WARMUP = 10;

async function latency(rows, notes) {
	const { FlatIndex } = await load('src/lib/knowledge/index/flat-index.ts');
	const { VoyIndex } = await load('src/lib/knowledge/index/voy-index.ts');
	const { loadVoy } = await load('src/lib/knowledge/index/voy-loader.ts');
	const vectorsLib = await load('src/lib/knowledge/index/test-vectors.ts');
	const wasm = createRequire(import.meta.url).resolve('voy-search/voy_search_bg.wasm');
	const Voy = await loadVoy(() => readFile(wasm));
	const queries = vectorsLib.randomUnitVectors(QUERIES, DIM, 2);
	const BASELINE = 'flat float32 JS (baseline)';
	for (const size of SIZES) {
		const vectors = vectorsLib.randomUnitVectors(size, DIM, 1);
		const ids = vectors.map((_, i) => `v${i}`);
		const indexes = [
			[BASELINE, new FlatIndex({ dim: DIM, simd: false })],
			['flat float32 (default)', new FlatIndex({ dim: DIM })],
			['flat int8 JS', new FlatIndex({ dim: DIM, quantize: true })],
			['Voy', new VoyIndex(Voy, { dim: DIM })]
		];
		/** @type {Map<string, { buildMs: number, times: number[], cpu: number[], hits: import('../src/lib/types/knowledge').SearchHit[][] }>} */
		const measured = new Map();
		for (const [name, index] of indexes) {
			const started = performance.now();
			index.add(ids, vectors);
			if (index.kind === 'voy') index.rebuild();
			measured.set(name, { buildMs: performance.now() - started, times: [], cpu: [], hits: [] });
			for (const q of queries.slice(0, WARMUP)) index.search(q, 10);
		}
		// Interleaved, in an order that rotates per query: a busy moment on this shared machine
		// lands on every index alike instead of on whichever ran during it.
		queries.forEach((q, i) => {
			for (let j = 0; j < indexes.length; j++) {
				const [name, index] = indexes[(i + j) % indexes.length];
				const cpu = process.cpuUsage();
				const t = performance.now();
				const hits = index.search(q, 10);
				const elapsed = performance.now() - t;
				const { user, system } = process.cpuUsage(cpu);
				const m = measured.get(name);
				m.times.push(elapsed);
				m.cpu.push((user + system) / 1000);
				m.hits.push(hits);
			}
		});
		const exact = measured.get(BASELINE);
		const baseline = quantile(exact.times, 0.5);
		for (const [name, index] of indexes) {
			const { buildMs, times, cpu, hits } = measured.get(name);
			const overlap =
				hits.reduce(
					(sum, top, i) =>
						sum +
						vectorsLib.overlap(
							top.map((h) => h.id),
							exact.hits[i].map((h) => h.id)
						),
					0
				) / hits.length;
			const identical = hits.every(
				(top, i) =>
					top.length === exact.hits[i].length &&
					top.every((h, r) => h.id === exact.hits[i][r].id && h.score === exact.hits[i][r].score)
			);
			const p50 = quantile(times, 0.5);
			rows.push({
				row: `${(size / 1000).toFixed(0)}k x ${DIM}: ${name}`,
				scan: index.kind === 'voy' ? 'k-d tree (wasm)' : index.backend,
				'query p50 ms': round(p50, 2),
				'query p95 ms': round(quantile(times, 0.95), 2),
				'p50 vs JS flat': ratio(p50, baseline),
				'CPU p50 ms': round(quantile(cpu, 0.5), 2),
				'top-10 overlap': round(overlap, 3),
				'same hits as JS': identical ? 'yes' : 'no',
				'build s': round(buildMs / 1000, 2),
				'snapshot MB': round(byteSize(index.export()) / 1e6, 1)
			});
			if (index.kind === 'voy') index.dispose();
		}
	}
	const load1 = os.loadavg()[0] ?? NaN;
	notes.push(
		`latency: ${QUERIES} random queries, top 10, in Node ${process.version} (one process, ${os.cpus().length} CPUs, load average ${load1.toFixed(1)} at the end); goal p50 <= 20 ms at 100k`
	);
	notes.push(
		"CPU ms = this process's CPU time per query (all its threads): wall time minus waiting for a core, when other work shares the machine"
	);
	notes.push(
		`each index answered ${WARMUP} untimed queries first; then every query ran on every index, in rotating order`
	);
	notes.push(
		'top-10 overlap = share of the exact (JS flat float32) top 10 found; same hits = identical ids, order and scores for every query; snapshot = typed arrays export() stores (never Voy JSON)'
	);
}

// The browser mode: the same interleaved flat-scan measurement inside a module worker in
// Chromium, our TypeScript served by a Vite dev server (no app build needed). Voy is left out
// there: its Node numbers already show where it stands.
const BROWSER_PAGE = `<!doctype html><meta charset="utf-8"><title>latency</title><script type="module">
window.runLatency = (params) => new Promise((resolve) => {
	const worker = new Worker('/__bench/latency-worker.js', { type: 'module' });
	worker.onmessage = (event) => resolve(event.data);
	worker.onerror = (event) => resolve({ error: event.message || 'worker failed to start' });
	worker.postMessage(params);
});
</script>`;

const BROWSER_WORKER = `
import { FlatIndex } from '/src/lib/knowledge/index/flat-index.ts';
import { randomUnitVectors } from '/src/lib/knowledge/index/test-vectors.ts';
self.onmessage = ({ data: { sizes, dim, count, warmup } }) => {
	const queries = randomUnitVectors(count, dim, 2);
	const out = [];
	for (const size of sizes) {
		const vectors = randomUnitVectors(size, dim, 1);
		const ids = vectors.map((_, i) => 'v' + i);
		const indexes = [new FlatIndex({ dim, simd: false }), new FlatIndex({ dim })];
		for (const index of indexes) {
			index.add(ids, vectors);
			for (const q of queries.slice(0, warmup)) index.search(q, 10);
		}
		const times = indexes.map(() => []);
		const hits = indexes.map(() => []);
		queries.forEach((q, i) => {
			for (let j = 0; j < indexes.length; j++) {
				const at = (i + j) % indexes.length;
				const t = performance.now();
				hits[at].push(indexes[at].search(q, 10));
				times[at].push(performance.now() - t);
			}
		});
		const same = hits[1].every((top, i) => JSON.stringify(top) === JSON.stringify(hits[0][i]));
		out.push({ size, results: indexes.map((index, j) => ({ backend: index.backend, times: times[j], same })) });
		for (const index of indexes) index.clear();
	}
	postMessage({ out, userAgent: navigator.userAgent });
};`;

async function browserLatency(rows, notes) {
	const server = await createServer({
		configFile: false,
		root: ROOT,
		logLevel: 'error',
		appType: 'custom',
		optimizeDeps: { noDiscovery: true, include: [] },
		server: { host: '127.0.0.1', port: 0, hmr: false, ws: false },
		resolve: { alias: { $lib: path.join(ROOT, 'src/lib') } },
		plugins: [
			{
				name: 'latency-bench-page',
				configureServer(dev) {
					dev.middlewares.use((req, res, next) => {
						const body = {
							'/__bench/latency.html': BROWSER_PAGE,
							'/__bench/latency-worker.js': BROWSER_WORKER
						}[req.url ?? ''];
						if (body === undefined) return next();
						const type = req.url?.endsWith('.html') ? 'text/html' : 'text/javascript';
						res.setHeader('content-type', type);
						res.end(body);
					});
				}
			}
		]
	});
	await server.listen();
	const browser = await launchChromium();
	try {
		const page = await browser.newPage();
		const base = server.resolvedUrls?.local[0] ?? '';
		await page.goto(new URL('__bench/latency.html', base).href);
		const reply = await page.evaluate((params) => window.runLatency(params), {
			sizes: SIZES,
			dim: DIM,
			count: QUERIES,
			warmup: WARMUP
		});
		if (reply.error) throw new Error(`Browser worker: ${reply.error}`);
		for (const { size, results } of reply.out) {
			const baseline = quantile(results[0].times, 0.5);
			results.forEach(({ backend, times, same }, j) => {
				const p50 = quantile(times, 0.5);
				rows.push({
					row: `Chromium worker, ${(size / 1000).toFixed(0)}k x ${DIM}: flat float32 ${j === 0 ? 'JS (baseline)' : '(default)'}`,
					scan: backend,
					'query p50 ms': round(p50, 2),
					'query p95 ms': round(quantile(times, 0.95), 2),
					'p50 vs JS flat': ratio(p50, baseline),
					'same hits as JS': same ? 'yes' : 'no'
				});
			});
		}
		notes.push(
			`browser: ${QUERIES} queries per index in a module worker, ${reply.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? 'Chromium'} headless, interleaved as in Node (no cross-origin isolation, so timers are coarsened to ~0.1 ms)`
		);
	} finally {
		await browser.close();
		await server.close();
	}
}

function byteSize(snapshot) {
	return (
		(snapshot.vectors?.byteLength ?? 0) +
		(snapshot.codes?.byteLength ?? 0) +
		(snapshot.scales?.byteLength ?? 0) +
		snapshot.collectionOf.byteLength
	);
}

export async function run() {
	const rows = [];
	// HEARTH_BENCH_KNOWLEDGE=latency skips the quality part (minutes of BM25/embedding work);
	// =browser runs only the flat-scan latency inside a Chromium worker.
	const only = process.env.HEARTH_BENCH_KNOWLEDGE;
	const notes =
		only === 'latency' || only === 'browser'
			? []
			: [`SciFact test queries (300) over ${SCIFACT}; nDCG@10/recall@100 as BEIR computes them`];
	try {
		if (only === 'browser') {
			await browserLatency(rows, notes);
			return { title: 'Knowledge: flat vector search latency in a Chromium worker', rows, notes };
		}
		if (only !== 'latency') await quality(rows, notes);
		if (only !== 'quality') await latency(rows, notes);
	} finally {
		await vite?.close();
		vite = undefined;
	}
	return { title: 'Knowledge: retrieval quality on SciFact, vector search latency', rows, notes };
}
