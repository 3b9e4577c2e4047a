// `hearth serve`: reads config.yaml's server section and the flags, makes sure of the token,
// composes the runtime (the terminal's own: store, engines, tools, memory) and starts the API.
import { parseArgs } from 'node:util';
import type { HearthConfig } from '$lib/config/config-schema';
import { HearthError } from '$lib/types/errors';
import { loadConfig } from '../node/config-file';
import { hearthPaths, type HearthPaths } from '../node/paths';
import type { ServerDeps } from './api-chat';
import { checkBind, createApiServer, type ApiServer } from './api-server';
import { loadOrCreateToken, tokenFile } from './auth';
import type { RequestRecord } from './stats';

export const SERVE_USAGE = `Usage: hearth serve [--port N] [--host H] [--allow-remote] [--cors ORIGIN,…] [--api-only] [--quiet]

Serves the web app and Hearth's API (OpenAI-compatible /v1, POST /chat, WS /ws) on
127.0.0.1:4174. Every API call needs the token in the config folder's api-token file.
  --port N          port (0 picks a free one; default server.port, 4174)
  --host H          address to listen on (default 127.0.0.1)
  --allow-remote    allow an address other computers can reach (the token is still required)
  --cors ORIGINS    comma-separated origins whose pages may call the API (default none)
  --api-only        do not serve the web app
  --quiet           no request log`;

/** What the runtime hands the server, and how to let go of it. */
export type ServeRuntime = ServerDeps & { dispose?(): Promise<void> };

export interface ServeContext {
	/** Builds the runtime from the loaded config (src/node/runtime.ts). */
	compose(config: HearthConfig, paths: HearthPaths): Promise<ServeRuntime>;
	env?: Readonly<Record<string, string | undefined>>;
	/** Where the banner and the request log go (default stdout / stderr). */
	out?: (line: string) => void;
	log?: (line: string) => void;
	/** Stop on SIGINT/SIGTERM (default true; tests pass false). */
	handleSignals?: boolean;
}

export interface RunningServe {
	server: ApiServer;
	tokenFile: string;
	stop(): Promise<void>;
}

export async function startServe(
	argv: readonly string[],
	context: ServeContext
): Promise<RunningServe | null> {
	const out = context.out ?? ((line) => process.stdout.write(`${line}\n`));
	const log = context.log ?? ((line) => process.stderr.write(`${line}\n`));
	const { values } = parseArgs({
		args: [...argv],
		options: {
			port: { type: 'string', short: 'p' },
			host: { type: 'string' },
			'allow-remote': { type: 'boolean', default: false },
			cors: { type: 'string', multiple: true },
			'api-only': { type: 'boolean', default: false },
			quiet: { type: 'boolean', default: false },
			help: { type: 'boolean', short: 'h', default: false }
		},
		strict: true
	});
	if (values.help) {
		out(SERVE_USAGE);
		return null;
	}
	const env = context.env ?? process.env;
	const paths = hearthPaths(env);
	const config = (await loadConfig(paths.configFile, env)).effective;
	const settings = config.server;
	const port = values.port === undefined ? settings.port : Number(values.port);
	if (!Number.isInteger(port) || port < 0 || port > 65_535) {
		throw new HearthError(
			'import_invalid',
			`--port must be a whole number from 0 to 65535, not ${values.port}.`
		);
	}
	const host = values.host ?? settings.host;
	const allowRemote = values['allow-remote'] || settings.allow_remote;
	// Before anything is composed or written: a refused bind costs nothing.
	checkBind(host, allowRemote);
	const corsOrigins = [
		...settings.cors_origins,
		...(values.cors ?? []).flatMap((list) =>
			list
				.split(',')
				.map((o) => o.trim())
				.filter(Boolean)
		)
	];
	const file = tokenFile(paths.configDir);
	const { token, created } = await loadOrCreateToken(file);
	const runtime = await context.compose(config, paths);
	let server: ApiServer;
	try {
		server = await createApiServer(runtime, {
			token,
			host,
			port,
			allowRemote,
			corsOrigins,
			maxBodyBytes: settings.max_body_bytes,
			rateLimitPerMinute: settings.rate_limit_per_minute,
			sideEffectTools: settings.side_effect_tools,
			site: values['api-only'] ? false : {},
			onRequest: values.quiet ? undefined : (record) => log(requestLine(record))
		});
	} catch (e) {
		await runtime.dispose?.();
		throw e;
	}
	if (created) out(`Created an API token in ${file} (readable by you only).`);
	const what = values['api-only'] ? 'the API' : 'the web app, and the API';
	out(`Hearth is serving at ${server.url} (${what} under /v1, /chat and /ws).`);
	out(`API token: ${file}`);
	out(`Try: curl -H "Authorization: Bearer $(cat ${file})" ${server.url}/v1/models`);
	if (corsOrigins.length > 0) out(`Pages from ${corsOrigins.join(', ')} may call the API.`);
	if (settings.side_effect_tools)
		out('Side-effect tools may run from the API (server.side_effect_tools).');

	let stopping: Promise<void> | undefined;
	const stop = () =>
		(stopping ??= (async () => {
			await server.close();
			await runtime.dispose?.();
		})());
	if (context.handleSignals !== false) {
		const onSignal = () => {
			stop().then(
				() => process.exit(0),
				(e: unknown) => {
					log(`hearth serve: ${e instanceof Error ? e.message : String(e)}`);
					process.exit(1);
				}
			);
		};
		process.once('SIGINT', onSignal);
		process.once('SIGTERM', onSignal);
	}
	return { server, tokenFile: file, stop };
}

/** One line of the request log. */
export function requestLine(r: RequestRecord): string {
	const tokens =
		r.promptTokens !== undefined || r.completionTokens !== undefined
			? ` ${r.promptTokens ?? 0}+${r.completionTokens ?? 0} tokens`
			: '';
	return `${new Date(r.at).toISOString()} ${r.method} ${r.path} ${r.status} ${r.ms} ms${tokens}`;
}
