// `npm run bench -- llamacpp`: Hearth's llama.cpp engine (LlamaCppEngine: chat template, streaming
// deltas, usage) against node-llama-cpp called directly with the same prompt tokens, on
// ../shared/models/gguf/stories260K.gguf, one thread (llama.cpp threads spin-wait).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { closeLoader, loadTs } from './node-load.js';
import { median, ratio, ROOT, round } from './lib.js';

const MODEL = path.resolve(ROOT, '../shared/models/gguf/stories260K.gguf');
const TOKENS = 200;
const RUNS = 9;
const PROMPT = 'Once upon a time';

/** @param {NodeJS.CpuUsage} used @param {number} tokens */
function cpuMsPerToken(used, tokens) {
	return (used.user + used.system) / 1000 / Math.max(1, tokens);
}

export async function run() {
	if (!existsSync(MODEL)) {
		return { title: 'llama.cpp engine', rows: [], notes: [`skipped: ${MODEL} not found`] };
	}
	const { LlamaCppEngine } = await loadTs('src/node/llama-engine.ts');
	const { getLlama, LlamaCompletion, LlamaLogLevel } = await import('node-llama-cpp');
	// The engine gets the same node-llama-cpp module the direct side uses (loaded by Node, not
	// through Vite's loader), so only Hearth's own layer differs.
	const engine = new LlamaCppEngine({
		files: [MODEL],
		threads: 1,
		contextSize: 512,
		runtime: () => import('node-llama-cpp')
	});
	const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
	const model = await llama.loadModel({ modelPath: MODEL, gpuLayers: 0 });
	const context = await model.createContext({ contextSize: 512, threads: 1 });
	const sequence = context.getSequence();
	const completion = new LlamaCompletion({ contextSequence: sequence });
	const chatml = `<|im_start|>user\n${PROMPT}<|im_end|>\n<|im_start|>assistant\n`;
	const tokens = [...model.tokenize('BOS', 'builtin'), ...model.tokenize(chatml, true)];
	try {
		await engine.load('stories260K.gguf');
		const ours = { total: [], ttft: [], rate: [], cpu: [] };
		const direct = { total: [], ttft: [], rate: [], cpu: [] };
		for (let r = 0; r < RUNS; r++) {
			// Alternate, so load from other processes falls on both alike. Both reuse the previous
			// run's evaluated prefix (only the last turn differs), as a conversation does.
			let cpu = process.cpuUsage();
			let started = performance.now();
			let first = 0;
			let count = 0;
			for await (const delta of engine.chat({
				model: 'stories260K.gguf',
				messages: [
					{ role: 'user', content: PROMPT },
					{ role: 'assistant', content: `${r}` }
				],
				options: { temperature: 0, maxTokens: TOKENS }
			})) {
				if (delta.type === 'text' && first === 0) first = performance.now();
				if (delta.type === 'done') count = delta.usage?.completionTokens ?? 0;
			}
			let end = performance.now();
			ours.total.push(end - started);
			ours.ttft.push(first - started);
			ours.rate.push(((count - 1) / (end - first)) * 1000);
			ours.cpu.push(cpuMsPerToken(process.cpuUsage(cpu), count));

			const before = sequence.tokenMeter.getState().usedOutputTokens;
			cpu = process.cpuUsage();
			started = performance.now();
			first = 0;
			const result = await completion.generateCompletionWithMeta(
				[...tokens, ...model.tokenize(`${r}`, true)],
				{
					temperature: 0,
					maxTokens: TOKENS,
					onTextChunk: () => {
						if (first === 0) first = performance.now();
					}
				}
			);
			end = performance.now();
			const n = sequence.tokenMeter.getState().usedOutputTokens - before;
			if (result.response === '') throw new Error('node-llama-cpp generated nothing');
			direct.total.push(end - started);
			direct.ttft.push(first - started);
			direct.rate.push(((n - 1) / (end - first)) * 1000);
			direct.cpu.push(cpuMsPerToken(process.cpuUsage(cpu), n));
		}
		const row = (metric, a, b, digits = 1) => ({
			metric,
			Hearth: round(median(a), digits),
			'node-llama-cpp': round(median(b), digits),
			ratio: ratio(median(a), median(b))
		});
		return {
			title: `llama.cpp in Node: LlamaCppEngine vs node-llama-cpp direct (stories260K, ${TOKENS} tokens, 1 thread)`,
			rows: [
				row('time to first token (ms)', ours.ttft, direct.ttft, 2),
				row('whole reply (ms)', ours.total, direct.total),
				row('decode tokens/s', ours.rate, direct.rate, 0),
				row('CPU time per token (ms, all threads)', ours.cpu, direct.cpu, 3),
				{
					metric: `CPU time per token, best of ${RUNS} (ms)`,
					Hearth: round(Math.min(...ours.cpu), 3),
					'node-llama-cpp': round(Math.min(...direct.cpu), 3),
					ratio: ratio(Math.min(...ours.cpu), Math.min(...direct.cpu))
				}
			],
			notes: [
				`Median of ${RUNS} alternating runs, greedy; each prompt shares its start with the previous one (cache reused on both sides).`,
				'Hearth ÷ direct: for tokens/s above 1 is faster, for times below 1 is faster.',
				'Wall-clock rows swing with other processes on a loaded machine; CPU time per token (this process, every thread), best of the runs, is the steadiest measure of what Hearth adds.'
			]
		};
	} finally {
		await engine.dispose();
		await context.dispose();
		await model.dispose();
		await llama.dispose();
		await closeLoader();
	}
}
