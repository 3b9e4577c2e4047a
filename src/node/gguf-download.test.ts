import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetFetch } from '$lib/net/types';
import { HearthError } from '$lib/types/errors';
import { downloadGguf } from './gguf-download';

const MODEL_FILE = path.resolve(process.cwd(), '../shared/models/gguf/stories260K.gguf');
const HAVE_MODEL = existsSync(MODEL_FILE);
if (!HAVE_MODEL && process.env.CI) throw new Error(`${MODEL_FILE} not found (CI needs ../shared)`);

describe.skipIf(!HAVE_MODEL)(
	'downloadGguf (a local server with Range, the real stories260K)',
	() => {
		let server: Server;
		let base = '';
		let model: Buffer;
		let work = '';
		/** The next full response is cut after this many bytes (the socket destroyed). */
		let cutAfter: number | null = null;
		const ranges: (string | undefined)[] = [];
		const ledger: string[] = [];
		const net: NetFetch = (url, init, meta) => {
			ledger.push(`${meta.purpose} ${url}`);
			return fetch(url, init);
		};

		beforeAll(async () => {
			model = await readFile(MODEL_FILE);
			work = await mkdtemp(path.join(tmpdir(), 'hearth-gguf-dl-'));
			server = createServer((req, res) => {
				const body = req.url === '/not-gguf.gguf' ? Buffer.from('<html>sign in</html>') : model;
				ranges.push(req.headers.range);
				const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
				const start = match ? Number(match[1]) : 0;
				if (start >= body.length && match) {
					res.writeHead(416).end();
					return;
				}
				res.writeHead(match ? 206 : 200, { 'Content-Length': String(body.length - start) });
				const rest = body.subarray(start);
				if (cutAfter !== null && !match) {
					res.write(rest.subarray(0, cutAfter), () => res.destroy());
					cutAfter = null;
					return;
				}
				res.end(rest);
			});
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		});
		afterAll(async () => {
			server.close();
			await rm(work, { recursive: true, force: true });
		});

		it('resumes a cut download with Range, checks it and moves it into place', async () => {
			const dest = path.join(work, 'stories.gguf');
			cutAfter = 300_000;
			const progress: number[] = [];
			await expect(
				downloadGguf({ url: `${base}/stories.gguf`, dest, purpose: 'model download: test', net })
			).rejects.toThrow();
			const partial = (await stat(`${dest}.part`)).size;
			expect(partial).toBeGreaterThan(0);
			expect(partial).toBeLessThan(model.length);
			await downloadGguf({
				url: `${base}/stories.gguf`,
				dest,
				bytes: model.length,
				exact: true,
				purpose: 'model download: test',
				net,
				onProgress: (p) => progress.push(p.received)
			});
			expect(ranges.at(-1)).toBe(`bytes=${partial}-`);
			expect(progress[0]).toBeGreaterThan(partial);
			expect(progress.at(-1)).toBe(model.length);
			expect(Buffer.compare(await readFile(dest), model)).toBe(0);
			expect(existsSync(`${dest}.part`)).toBe(false);
			expect(ledger.every((l) => l.startsWith('model download: test'))).toBe(true);
		});

		it('refuses a file that is not GGUF (a sign-in page) and a size that disagrees', async () => {
			const dest = path.join(work, 'bad.gguf');
			const error = await downloadGguf({
				url: `${base}/not-gguf.gguf`,
				dest,
				purpose: 'model download: test',
				net
			}).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(HearthError);
			expect(existsSync(dest)).toBe(false);
			expect(existsSync(`${dest}.part`)).toBe(false);
			const wrong = path.join(work, 'wrong.gguf');
			await writeFile(`${wrong}.part`, Buffer.alloc(0));
			const sized = await downloadGguf({
				url: `${base}/stories.gguf`,
				dest: wrong,
				bytes: model.length + 5,
				exact: true,
				purpose: 'model download: test',
				net
			}).catch((e: unknown) => e);
			expect((sized as HearthError).code).toBe('model_corrupt');
			expect(existsSync(wrong)).toBe(false);
		});
	}
);
