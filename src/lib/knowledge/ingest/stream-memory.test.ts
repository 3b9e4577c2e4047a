import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFile } from './ingest';

// A generated 50 MB file, read from disk (openAsBlob: the Blob is not held in memory), must be
// chunked with memory growth far below its size. Every 1024 chunks the heap is collected and
// measured: what is still alive then is what ingest holds on to (heap plus ArrayBuffers). The
// process's RSS growth is reported too; uncollected garbage between samples is not counted, as V8
// reclaims it whenever it needs the room.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MB = 1024 * 1024;
const TARGET_BYTES = 50 * MB;
let dir = '';

async function writeBig(
	file: string,
	line: (i: number) => string,
	header = '',
	target = TARGET_BYTES
): Promise<number> {
	const parts: string[] = header ? [header] : [];
	let size = header.length;
	let written = 0;
	for (let i = 0; size < target; i++) {
		const l = line(i);
		parts.push(l);
		size += l.length;
		// Written in ~4 MB blocks so the generator itself stays small.
		if (parts.length >= 40_000 || size >= target) {
			await writeFile(file, parts.join(''), { flag: written === 0 ? 'w' : 'a' });
			written++;
			parts.length = 0;
		}
	}
	return (await stat(file)).size;
}

function used(): number {
	const m = process.memoryUsage();
	return m.heapUsed + m.arrayBuffers;
}

/** Live memory (after a full collection) sampled during a run. */
class LiveMemory {
	#low: number;
	#high: number;
	#rssBase = process.memoryUsage().rss;
	#rssHigh = 0;

	constructor() {
		gc();
		this.#low = this.#high = used();
	}

	sample(): void {
		gc();
		const now = used();
		this.#low = Math.min(this.#low, now);
		this.#high = Math.max(this.#high, now);
		this.#rssHigh = Math.max(this.#rssHigh, process.memoryUsage().rss - this.#rssBase);
	}

	/** Highest minus lowest: counts growth even if the starting point held some garbage. */
	get growth(): number {
		return this.#high - this.#low;
	}

	get rssGrowth(): number {
		return this.#rssHigh;
	}
}

async function measure(file: string, name: string) {
	const blob = Object.assign(await openAsBlob(file), { name });
	const memory = new LiveMemory();
	let chunks = 0;
	let lastEnd = 0;
	const started = performance.now();
	for await (const chunk of ingestFile(blob, {})) {
		chunks++;
		lastEnd = chunk.endLine ?? lastEnd;
		if (chunks % 1024 === 0) memory.sample();
	}
	memory.sample();
	return {
		chunks,
		lastEnd,
		peak: memory.growth,
		peakRss: memory.rssGrowth,
		seconds: (performance.now() - started) / 1000
	};
}

describe('streaming a 50 MB file', () => {
	beforeAll(async () => {
		dir = await mkdtemp(path.join(tmpdir(), 'hearth-ingest-'));
	});
	afterAll(async () => {
		await rm(dir, { recursive: true, force: true });
	});

	it('chunks a 50 MB text file with memory growth well below its size', async () => {
		const file = path.join(dir, 'big.txt');
		const size = await writeBig(
			file,
			(i) =>
				`Line ${i}: the quick brown fox jumps over the lazy dog while the budget for quarter ${i % 4} is reviewed.${i % 9 === 0 ? '\n' : ''}\n`
		);
		expect(size).toBeGreaterThanOrEqual(TARGET_BYTES);
		const r = await measure(file, 'big.txt');
		process.stdout.write(
			`50 MB text: ${r.chunks} chunks in ${r.seconds.toFixed(1)} s; peak live heap+buffers growth ${(r.peak / MB).toFixed(2)} MB, peak rss growth ${(r.peakRss / MB).toFixed(1)} MB\n`
		);
		expect(r.chunks).toBeGreaterThan(30_000);
		expect(r.lastEnd).toBeGreaterThan(500_000);
		// About 2 MB in practice: one 64 KB read piece, one section, one chunk, the pipes' queues.
		expect(r.peak).toBeLessThan(8 * MB);
		expect(r.peak).toBeLessThan(size / 6);
		expect(r.peakRss).toBeLessThan(size / 2);
	}, 240_000);

	it('chunks a 20 MB CSV file with the header in every chunk and bounded memory', async () => {
		const file = path.join(dir, 'big.csv');
		const header = 'id,city,amount,note\n';
		const size = await writeBig(
			file,
			(i) => `${i},"City ${i % 97}",${(i * 37) % 10_000},"note for row ${i}"\n`,
			header,
			20 * MB
		);
		const blob = Object.assign(await openAsBlob(file), { name: 'big.csv' });
		const memory = new LiveMemory();
		let chunks = 0;
		for await (const chunk of ingestFile(blob, {})) {
			if (!chunk.text.startsWith('id,city,amount,note\n')) throw new Error('header missing');
			if (++chunks % 1024 === 0) memory.sample();
		}
		memory.sample();
		const peak = memory.growth;
		process.stdout.write(
			`20 MB CSV: ${chunks} chunks; peak live heap+buffers growth ${(peak / MB).toFixed(2)} MB\n`
		);
		expect(size).toBeGreaterThanOrEqual(20 * MB);
		expect(chunks).toBeGreaterThan(5_000);
		expect(peak).toBeLessThan(8 * MB);
	}, 240_000);
});
