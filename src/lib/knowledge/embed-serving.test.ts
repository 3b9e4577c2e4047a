import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	symlinkSync,
	writeFileSync
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORT_FILES, ORT_PATH } from '$lib/protocol/embed';
import { startServer } from '../../../scripts/serve.js';

// scripts/serve.js --models DIR: how the browser tests (and opt-in real-model runs) give the
// embeddings worker its model files under our own origin at /models/, read-only.

let server: Awaited<ReturnType<typeof startServer>> | undefined;
let plain: Awaited<ReturnType<typeof startServer>> | undefined;
const ONNX = new Uint8Array([8, 1, 18, 4, 116, 101, 115, 116]);

beforeAll(async () => {
	const root = mkdtempSync(path.join(tmpdir(), 'hearth-serve-'));
	const build = path.join(root, 'build');
	const models = path.join(root, 'models');
	mkdirSync(build);
	writeFileSync(path.join(build, 'index.html'), '<!doctype html><title>app shell</title>');
	mkdirSync(path.join(models, 'owner', 'model', 'onnx'), { recursive: true });
	writeFileSync(path.join(models, 'owner', 'model', 'config.json'), '{"hidden_size":128}');
	writeFileSync(path.join(models, 'owner', 'model', 'onnx', 'model.onnx'), ONNX);
	writeFileSync(path.join(root, 'secret.txt'), 'outside the models folder');
	symlinkSync(path.join(root, 'secret.txt'), path.join(models, 'owner', 'model', 'leak.txt'));
	server = await startServer({ dir: build, port: 0, quiet: true, modelsDir: models });
	plain = await startServer({ dir: build, port: 0, quiet: true });
});

afterAll(async () => {
	await Promise.all([server?.close(), plain?.close()]);
});

/** A raw request: fetch() would normalise `..` away before it is sent. */
function raw(url: string, rawPath: string, method = 'GET'): Promise<number> {
	return new Promise((resolve, reject) => {
		const { hostname, port } = new URL(url);
		const req = request({ hostname, port, path: rawPath, method }, (res) => {
			res.resume();
			resolve(res.statusCode ?? 0);
		});
		req.on('error', reject);
		req.end();
	});
}

describe('serve.js --models', () => {
	it('serves model files under /models/', async () => {
		const base = server?.url ?? '';
		const config = await fetch(`${base}/models/owner/model/config.json`);
		expect(config.status).toBe(200);
		expect(config.headers.get('content-type')).toContain('application/json');
		expect(await config.json()).toEqual({ hidden_size: 128 });
		const onnx = await fetch(`${base}/models/owner/model/onnx/model.onnx`);
		expect(new Uint8Array(await onnx.arrayBuffer())).toEqual(ONNX);
		// The app itself is still served.
		expect(await (await fetch(`${base}/`)).text()).toContain('app shell');
	});

	it('lists no folder and has no app-shell fallback: a missing file is a 404', async () => {
		const base = server?.url ?? '';
		for (const p of ['/models/', '/models/owner/model', '/models/owner/model/', '/models/nope']) {
			const response = await fetch(`${base}${p}`);
			expect(response.status, p).toBe(404);
			expect(await response.text(), p).not.toContain('app shell');
		}
		expect((await fetch(`${base}/models/owner/model/tokenizer.json`)).status).toBe(404);
	});

	it('refuses path traversal, symlinks leading out, and writes', async () => {
		const base = server?.url ?? '';
		expect(await raw(base, '/models/../secret.txt')).toBe(400);
		expect(await raw(base, '/models/owner/%2e%2e/%2e%2e/%2e%2e/secret.txt')).toBe(400);
		expect(await raw(base, '/models/owner/model/..%5c..%5c..%5csecret.txt')).toBe(400);
		expect(await raw(base, '/models/owner/model/leak.txt')).toBe(403);
		expect(await raw(base, '/models/owner/model/config.json', 'PUT')).toBe(405);
	});

	it('without the option, /models/ is not served', async () => {
		expect((await fetch(`${plain?.url ?? ''}/models/owner/model/config.json`)).status).toBe(404);
	});

	it('a models folder that does not exist is an error at start', async () => {
		// Its own app folder: the project's build/ may not exist yet (CI runs unit tests first).
		const app = mkdtempSync(path.join(tmpdir(), 'hearth-serve-app-'));
		writeFileSync(path.join(app, 'index.html'), '<!doctype html><title>app shell</title>');
		await expect(
			startServer({ dir: app, port: 0, quiet: true, modelsDir: '/nonexistent/models' })
		).rejects.toThrow(/models/);
	});
});

describe('vite.config.ts /ort/', () => {
	it('serves the ONNX Runtime files the worker asks for, and they exist', () => {
		const config = readFileSync(path.resolve('vite.config.ts'), 'utf8');
		expect(config).toContain(`const ORT_PATH = '${ORT_PATH}';`);
		for (const file of Object.values(ORT_FILES)) {
			expect(config).toContain(`'${file}'`);
			expect(existsSync(path.resolve('node_modules/onnxruntime-web/dist', file))).toBe(true);
		}
	});
});
