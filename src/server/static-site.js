// The built web app as Hearth serves it: SPA fallback, gzip, ETags, optional cross-origin
// isolation and the Python worker's policy. One module for both servers: scripts/serve.js (`npm run
// serve`, the tests, the benchmarks) and `hearth serve` (src/server/api-server.ts), which puts the
// API in front of it. Plain JavaScript with JSDoc types so `node scripts/serve.js` runs it as is.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { isPythonWorkerPath, PYTHON_WORKER_POLICY } from '../../scripts/worker-policy.js';

const gzip = promisify(gzipCallback);

/**
 * The repository's root: the nearest folder above this file with a package.json (this file is
 * src/server/static-site.js, or bundled into .hearth-cli/ for the terminal's `hearth serve`).
 */
export const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** @param {string} start */
function findRoot(start) {
	for (let dir = start; ; dir = path.dirname(dir)) {
		if (existsSync(path.join(dir, 'package.json'))) return dir;
		if (path.dirname(dir) === dir) return path.resolve(start, '../..');
	}
}

/** @type {Record<string, string>} */
const MIME_TYPES = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.mjs': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.json': 'application/json; charset=utf-8',
	'.webmanifest': 'application/manifest+json; charset=utf-8',
	'.map': 'application/json; charset=utf-8',
	'.txt': 'text/plain; charset=utf-8',
	'.md': 'text/markdown; charset=utf-8',
	'.csv': 'text/csv; charset=utf-8',
	'.xml': 'application/xml; charset=utf-8',
	'.py': 'text/x-python; charset=utf-8',
	'.wasm': 'application/wasm',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.jpg': 'image/jpeg',
	'.jpeg': 'image/jpeg',
	'.gif': 'image/gif',
	'.webp': 'image/webp',
	'.avif': 'image/avif',
	'.ico': 'image/x-icon',
	'.woff': 'font/woff',
	'.woff2': 'font/woff2',
	'.ttf': 'font/ttf',
	'.otf': 'font/otf',
	'.wav': 'audio/wav',
	'.mp3': 'audio/mpeg',
	'.ogg': 'audio/ogg',
	'.webm': 'video/webm',
	'.mp4': 'video/mp4',
	'.pdf': 'application/pdf',
	'.zip': 'application/zip',
	// Served as bytes (no Content-Encoding): Tesseract gunzips its language model itself.
	'.gz': 'application/gzip',
	'.onnx': 'application/octet-stream',
	'.bin': 'application/octet-stream'
};

const COMPRESSIBLE = new Set([
	'.html',
	'.js',
	'.mjs',
	'.css',
	'.json',
	'.webmanifest',
	'.map',
	'.svg',
	'.txt',
	'.md',
	'.csv',
	'.xml',
	'.py',
	'.wasm'
]);

/** @type {Record<number, string>} */
const STATUS_TEXT = { 400: 'Bad request', 403: 'Forbidden', 404: 'Not found' };

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Upper bound for the in-memory gzip cache; the oldest entries are dropped beyond it. */
const GZIP_CACHE_BYTES = 256 * 1024 * 1024;

/**
 * @typedef {object} StaticSiteOptions
 * @property {string} [dir] folder to serve; relative paths resolve against the working directory
 * @property {boolean} [isolated] add COOP/COEP/CORP so the page is cross-origin isolated
 * @property {string} [modelsDir] a folder served read-only under /models/ (model files for
 *   transformers.js: tests and opt-in real-model runs); files only, no listing, no fallback
 * @property {boolean} [workerPolicy] send the Python worker's Content-Security-Policy with its
 *   script (default true; false plays a static host that sends no headers, for the tests)
 */

/**
 * @typedef {object} StaticSite
 * @property {string} root the folder served
 * @property {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => Promise<void>} handle
 *   answers a GET or HEAD for a file of the build (405 for other methods)
 * @property {(res: import('node:http').ServerResponse, status: number, message: string, extra?: Record<string, string>) => void} sendText
 *   a plain-text reply with the site's security headers
 */

/**
 * The static build as a request handler, with SPA fallback, gzip, ETags and optional isolation.
 * @param {StaticSiteOptions} [options]
 * @returns {Promise<StaticSite>}
 */
export async function createStaticSite({
	dir = 'build',
	isolated = false,
	modelsDir,
	workerPolicy = true
} = {}) {
	// The default also works from another working directory (e.g. a test runner's): fall back to
	// the repository's own build/.
	const root = path.resolve(dir === 'build' && !existsSync(dir) ? path.join(ROOT, 'build') : dir);
	if (!existsSync(root) || !statSync(root).isDirectory()) {
		const rel = path.relative(process.cwd(), root);
		const shown = rel.startsWith('..') || path.isAbsolute(rel) ? root : rel || '.';
		throw new Error(`No build found at ${shown}/: run \`npm run build\` first`);
	}

	const modelsRoot = modelsDir === undefined ? undefined : path.resolve(modelsDir);
	if (
		modelsRoot !== undefined &&
		(!existsSync(modelsRoot) || !statSync(modelsRoot).isDirectory())
	) {
		throw new Error(`No models folder at ${modelsRoot}`);
	}
	// Compared against real paths, so a symlink inside the folder cannot lead out of it.
	const modelsReal = modelsRoot === undefined ? undefined : await realpath(modelsRoot);

	/**
	 * Gzipped bytes per file path, invalidated by mtime and size so a rebuild under a running
	 * server is picked up. `bytes` stays 0 until the compression has finished.
	 * @type {Map<string, { mtimeMs: number, size: number, bytes: number, body: Promise<Buffer | null> }>}
	 */
	const gzipCache = new Map();
	let gzipCacheBytes = 0;

	/** @param {string} key */
	function evict(key) {
		const entry = gzipCache.get(key);
		if (!entry) return;
		gzipCacheBytes -= entry.bytes;
		gzipCache.delete(key);
	}

	/**
	 * Gzipped bytes of a file, or null when gzip would not make it smaller.
	 * @param {string} file
	 * @param {import('node:fs').Stats} stats
	 */
	function gzipped(file, stats) {
		const hit = gzipCache.get(file);
		if (hit && hit.mtimeMs === stats.mtimeMs && hit.size === stats.size) return hit.body;
		evict(file);
		const entry = { mtimeMs: stats.mtimeMs, size: stats.size, bytes: 0, body: compress(file) };
		gzipCache.set(file, entry);
		entry.body.then(
			(packed) => {
				if (gzipCache.get(file) !== entry || !packed) return;
				entry.bytes = packed.length;
				gzipCacheBytes += packed.length;
				// A Map iterates in insertion order, so this drops the oldest entries first.
				for (const key of gzipCache.keys()) {
					if (gzipCacheBytes <= GZIP_CACHE_BYTES || key === file) break;
					evict(key);
				}
			},
			() => gzipCache.get(file) === entry && evict(file)
		);
		return entry.body;
	}

	/** @param {string} file */
	async function compress(file) {
		const raw = await readFile(file);
		const packed = await gzip(raw);
		return packed.length < raw.length ? packed : null;
	}

	/** @type {Record<string, string>} */
	const isolationHeaders = isolated
		? {
				'Cross-Origin-Opener-Policy': 'same-origin',
				'Cross-Origin-Embedder-Policy': 'require-corp',
				'Cross-Origin-Resource-Policy': 'same-origin'
			}
		: {};

	/**
	 * @param {import('node:http').ServerResponse} res
	 * @param {number} status
	 * @param {string} message
	 * @param {Record<string, string>} [extra]
	 */
	function sendText(res, status, message, extra = {}) {
		const body = Buffer.from(`${message}\n`);
		res.writeHead(status, {
			...isolationHeaders,
			'Content-Type': 'text/plain; charset=utf-8',
			'Content-Length': String(body.length),
			'Cache-Control': 'no-cache',
			'X-Content-Type-Options': 'nosniff',
			...extra
		});
		res.end(res.req.method === 'HEAD' ? undefined : body);
	}

	/**
	 * Maps a URL path to an existing file inside root, or returns an HTTP status for why not.
	 * @param {string} urlPath decoded, starts with '/'
	 * @returns {Promise<{ file: string, stats: import('node:fs').Stats } | { status: number }>}
	 */
	async function resolveFile(urlPath) {
		if (urlPath.includes('\0') || urlPath.split(/[/\\]/).includes('..')) return { status: 400 };
		if (modelsRoot !== undefined && modelsReal !== undefined && /^\/models(\/|$)/.test(urlPath)) {
			return resolveModelFile(modelsRoot, modelsReal, urlPath.slice('/models'.length));
		}
		const target = path.resolve(root, `.${urlPath}`);
		if (target !== root && !target.startsWith(root + path.sep)) return { status: 403 };

		const candidates = [target];
		// adapter-static writes /about as about.html (or about/index.html with trailing slashes).
		if (!path.extname(target)) candidates.push(`${target}.html`);
		candidates.push(path.join(target, 'index.html'));
		for (const file of candidates) {
			const stats = await stat(file).catch(() => null);
			if (stats?.isFile()) return { file, stats };
		}

		// SPA fallback: unknown routes get the app shell; unknown assets stay 404s.
		if (path.extname(urlPath) === '') {
			const file = path.join(root, 'index.html');
			const stats = await stat(file).catch(() => null);
			if (stats?.isFile()) return { file, stats };
		}
		return { status: 404 };
	}

	/**
	 * A file under the models folder, or 404: no directory listing, no SPA fallback.
	 * @param {string} base the folder as given
	 * @param {string} real its real path
	 * @param {string} rest the URL path after /models
	 * @returns {Promise<{ file: string, stats: import('node:fs').Stats } | { status: number }>}
	 */
	async function resolveModelFile(base, real, rest) {
		const target = path.resolve(base, `.${rest}`);
		if (target !== base && !target.startsWith(base + path.sep)) return { status: 403 };
		const stats = await stat(target).catch(() => null);
		if (!stats?.isFile()) return { status: 404 };
		const actual = await realpath(target);
		if (!actual.startsWith(real + path.sep)) return { status: 403 };
		return { file: target, stats };
	}

	/** @param {string} rel path relative to root, with forward slashes */
	function cacheControl(rel) {
		return rel.startsWith('_app/immutable/') ? IMMUTABLE : 'no-cache';
	}

	/**
	 * @param {import('node:http').IncomingMessage} req
	 * @param {import('node:http').ServerResponse} res
	 */
	async function handle(req, res) {
		if (req.method !== 'GET' && req.method !== 'HEAD') {
			sendText(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
			return;
		}
		let urlPath;
		try {
			const raw = req.url ?? '/';
			// Reject `..` before URL parsing would quietly normalise it away: no client needs it.
			if (
				decodeURIComponent(raw.split(/[?#]/)[0] ?? '')
					.split(/[/\\]/)
					.includes('..')
			) {
				sendText(res, 400, 'Bad request');
				return;
			}
			urlPath = decodeURIComponent(new URL(raw, 'http://localhost').pathname);
		} catch {
			sendText(res, 400, 'Bad request');
			return;
		}
		const found = await resolveFile(urlPath);
		if ('status' in found) {
			sendText(res, found.status, STATUS_TEXT[found.status] ?? 'Error');
			return;
		}

		const { file, stats } = found;
		const ext = path.extname(file).toLowerCase();
		const rel = path.relative(root, file).split(path.sep).join('/');
		const compressible = COMPRESSIBLE.has(ext);
		const packed =
			compressible && acceptsGzip(req.headers['accept-encoding'])
				? await gzipped(file, stats)
				: null;

		const tag = `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}${packed ? '-gz' : ''}"`;
		/** @type {Record<string, string>} */
		const headers = {
			...isolationHeaders,
			'Content-Type': MIME_TYPES[ext] ?? 'application/octet-stream',
			'Cache-Control': cacheControl(rel),
			ETag: tag,
			'Last-Modified': stats.mtime.toUTCString(),
			'X-Content-Type-Options': 'nosniff'
		};
		if (compressible) headers['Vary'] = 'Accept-Encoding';
		if (packed) headers['Content-Encoding'] = 'gzip';
		// The Python sandbox's fence: a worker's policy comes with its script (worker-policy.js).
		if (workerPolicy && isPythonWorkerPath(urlPath)) {
			headers['Content-Security-Policy'] = PYTHON_WORKER_POLICY;
		}

		if (matchesEtag(req.headers['if-none-match'], tag)) {
			delete headers['Content-Type'];
			res.writeHead(304, headers);
			res.end();
			return;
		}

		headers['Content-Length'] = String(packed ? packed.length : stats.size);
		res.writeHead(200, headers);
		if (req.method === 'HEAD') {
			res.end();
		} else if (packed) {
			res.end(packed);
		} else {
			const stream = createReadStream(file);
			stream.on('error', () => res.destroy());
			stream.pipe(res);
		}
	}

	return { root, handle, sendText };
}

/**
 * Listens on host:port; a port in use fails with advice instead of EADDRINUSE.
 * @param {import('node:http').Server} server
 * @param {number} port 0 picks a free port
 * @param {string} host
 * @returns {Promise<{ url: string, port: number }>} url without a trailing slash
 */
export async function listen(server, port, host) {
	await new Promise((resolve, reject) => {
		/** @param {NodeJS.ErrnoException} error */
		const onError = (error) => {
			reject(
				error.code === 'EADDRINUSE'
					? new Error(`Port ${port} on ${host} is already in use: pick another with --port`)
					: error
			);
		};
		server.once('error', onError);
		server.listen(port, host, () => {
			server.off('error', onError);
			resolve(undefined);
		});
	});
	const address = server.address();
	const actualPort = typeof address === 'object' && address ? address.port : port;
	return {
		url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
		port: actualPort
	};
}

/**
 * Stops listening and drops open connections (keep-alive sockets would hold close() for seconds).
 * @param {import('node:http').Server} server
 * @returns {Promise<void>}
 */
export function closeServer(server) {
	return new Promise((resolve, reject) => {
		server.close((error) => (error ? reject(error) : resolve()));
		server.closeAllConnections();
	});
}

/**
 * True when the Accept-Encoding header allows gzip (explicitly or through `*`) with q > 0.
 * @param {string | undefined} header
 */
function acceptsGzip(header) {
	if (!header) return false;
	/** @type {Map<string, number>} */
	const weights = new Map();
	for (const part of header.split(',')) {
		const [name = '', ...params] = part.trim().toLowerCase().split(';');
		const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
		weights.set(name.trim(), q ? Number(q.slice(2)) : 1);
	}
	const q = weights.get('gzip') ?? weights.get('x-gzip') ?? weights.get('*') ?? 0;
	return q > 0;
}

/**
 * If-None-Match uses weak comparison: `W/` prefixes are ignored.
 * @param {string | undefined} header
 * @param {string} tag
 */
function matchesEtag(header, tag) {
	if (!header) return false;
	if (header.trim() === '*') return true;
	return header.split(',').some((t) => t.trim().replace(/^W\//, '') === tag);
}
