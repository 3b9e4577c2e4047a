// Hearth's own static server for the production build (`build/`).
// `vite preview` 404s on deep links and cannot set cross-origin isolation headers, so `npm start`,
// the Playwright global setup and the benchmarks all serve the build through this file. The site
// itself lives in src/server/static-site.js, which `hearth serve` shares (with the API in front).
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { closeServer, createStaticSite, listen } from '../src/server/static-site.js';

/**
 * @typedef {object} ServerOptions
 * @property {string} [dir] folder to serve; relative paths resolve against the working directory
 * @property {number} [port] 0 picks a free port
 * @property {string} [host]
 * @property {boolean} [isolated] add COOP/COEP/CORP so the page is cross-origin isolated
 * @property {boolean} [quiet] print nothing (no banner, no error log)
 * @property {string} [modelsDir] a folder served read-only under /models/ (model files for
 *   transformers.js: tests and opt-in real-model runs); files only, no listing, no fallback
 * @property {boolean} [workerPolicy] send the Python worker's Content-Security-Policy with its
 *   script (default true; false plays a static host that sends no headers, for the tests)
 */

/**
 * @typedef {object} RunningServer
 * @property {string} url base URL without a trailing slash, e.g. http://127.0.0.1:4173
 * @property {number} port
 * @property {() => Promise<void>} close stops listening and drops open connections
 */

/**
 * Serves a static build with SPA fallback, gzip, ETags and optional cross-origin isolation.
 * @param {ServerOptions} [options]
 * @returns {Promise<RunningServer>}
 */
export async function startServer({
	dir = 'build',
	port = 4173,
	host = '127.0.0.1',
	isolated = false,
	quiet = false,
	modelsDir,
	workerPolicy = true
} = {}) {
	const site = await createStaticSite({ dir, isolated, modelsDir, workerPolicy });
	const server = createServer((req, res) => {
		site.handle(req, res).catch((/** @type {unknown} */ error) => {
			if (!quiet) console.error(`serve: ${req.method} ${req.url} failed:`, error);
			if (res.headersSent) res.destroy();
			else site.sendText(res, 500, 'Internal server error');
		});
	});
	const bound = await listen(server, port, host);
	if (!quiet) console.log(`Hearth is running at ${bound.url}`);
	return { ...bound, close: () => closeServer(server) };
}

async function main() {
	const { values } = parseArgs({
		options: {
			port: { type: 'string', short: 'p' },
			host: { type: 'string' },
			dir: { type: 'string' },
			isolated: { type: 'boolean', default: false },
			models: { type: 'string' },
			help: { type: 'boolean', short: 'h', default: false }
		}
	});
	if (values.help) {
		console.log(
			'Usage: node scripts/serve.js [--port N] [--host H] [--dir D] [--isolated] [--models DIR]'
		);
		return;
	}
	const port = Number(values.port ?? process.env.PORT ?? 4173);
	if (!Number.isInteger(port) || port < 0 || port > 65535) {
		throw new Error(`Invalid port: ${values.port ?? process.env.PORT}`);
	}
	const server = await startServer({
		dir: values.dir,
		port,
		host: values.host,
		isolated: values.isolated,
		modelsDir: values.models
	});
	console.log('Press Ctrl+C to stop it.');

	let stopping = false;
	const stop = () => {
		if (stopping) return;
		stopping = true;
		server.close().then(
			() => process.exit(0),
			(error) => {
				console.error(error);
				process.exit(1);
			}
		);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	main().catch((/** @type {unknown} */ error) => {
		console.error(error instanceof Error ? error.message : error);
		process.exit(1);
	});
}
