// `hearth serve`: the web app as scripts/serve.js serves it, with Hearth's API in front of it:
// GET /v1/models, POST /v1/chat/completions (OpenAI-compatible), POST /chat, GET /chat/:id,
// WS /ws, GET /v1/hearth/stats. Safe by default: loopback only, a bearer token on every API
// call, CORS closed, size and rate limits, side-effect tools off (see policy.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { WebSocketServer } from 'ws';
import { HearthError, toHearthError } from '$lib/types/errors';
import { ApiChat, finishAnswer, type ServerDeps } from './api-chat';
import { bearerCheck } from './auth';
import { API_HEADERS, readJson, sendError, sendJson } from './http';
import { agentCompletion, modelsReply, passThroughCompletion, type Counted } from './openai-routes';
import { callerRunsTools, longestMessage, parseCompletionRequest } from './openai-request';
import { apiApprovals, apiTools } from './policy';
import { RateLimiter } from './rate-limit';
import { RequestStats, type RequestRecord } from './stats';
import { closeServer, createStaticSite, listen, type StaticSiteOptions } from './static-site.js';
import { attachChatSocket } from './ws-chat';

export interface ApiServerOptions {
	/** The bearer token every API call must carry (see auth.ts: created on first run). */
	token: string;
	/** Default 127.0.0.1. Anything but loopback is refused unless `allowRemote`. */
	host?: string;
	/** Default 4174; 0 picks a free port. */
	port?: number;
	allowRemote?: boolean;
	/** Origins a browser page may call the API from (CORS and WebSocket); empty: none. */
	corsOrigins?: readonly string[];
	/** Largest request body (and WebSocket message), bytes; bigger gets 413. Default 1 MiB. */
	maxBodyBytes?: number;
	/** Longest single message, characters; longer gets 413. Default 200,000. */
	maxMessageChars?: number;
	/** API requests per minute per token; 0 = no limit. Default 60. */
	rateLimitPerMinute?: number;
	/** Let Hearth's side-effect tools run from the API (never after untrusted text). */
	sideEffectTools?: boolean;
	/** The built web app to serve beside the API; false serves the API alone. */
	site?: StaticSiteOptions | false;
	/** Called once per counted request (the request log). */
	onRequest?: (record: RequestRecord) => void;
	/** Streaming saves at most this often (ms); the service's default otherwise. */
	saveEveryMs?: number;
}

export interface ApiServer {
	url: string;
	port: number;
	stats: RequestStats;
	close(): Promise<void>;
}

const DEFAULT_PORT = 4174;
const DEFAULT_BODY = 1024 * 1024;
const DEFAULT_MESSAGE_CHARS = 200_000;

/** True for addresses only this computer can reach. */
export function isLoopback(host: string): boolean {
	const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
	if (bare === 'localhost' || bare === '::1') return true;
	return isIP(bare) === 4 && bare.startsWith('127.');
}

/** Refuses a non-loopback bind without the flag that says the owner meant it. */
export function checkBind(host: string, allowRemote: boolean): void {
	if (!isLoopback(host) && !allowRemote) {
		throw new HearthError(
			'permission_denied',
			`Refusing to listen on ${host}: other computers could reach Hearth's API there. Use 127.0.0.1, or pass --allow-remote (server.allow_remote: true) if you mean it; every call still needs the token.`
		);
	}
}

export async function createApiServer(
	deps: ServerDeps,
	options: ApiServerOptions
): Promise<ApiServer> {
	const host = options.host ?? '127.0.0.1';
	checkBind(host, options.allowRemote === true);
	if (options.token.length < 16)
		throw new HearthError('permission_denied', 'The API token is too short.');
	const maxBody = options.maxBodyBytes ?? DEFAULT_BODY;
	const maxChars = options.maxMessageChars ?? DEFAULT_MESSAGE_CHARS;
	const origins = new Set(options.corsOrigins ?? []);
	const limiter = new RateLimiter(options.rateLimitPerMinute ?? 60);
	const tokenMatches = bearerCheck(options.token);
	const stats = new RequestStats();
	const allowSideEffects = options.sideEffectTools === true;
	const chat = new ApiChat(deps, {
		approvals: apiApprovals(allowSideEffects),
		tools: apiTools(deps.tools, allowSideEffects),
		saveEveryMs: options.saveEveryMs
	});
	const site = options.site === false ? null : await createStaticSite(options.site ?? {});
	// Answers cut off by a crash or a kill are marked `interrupted` (their saved text kept).
	await deps.store.markInterrupted().catch(() => 0);

	const count = (record: RequestRecord) => {
		stats.record(record);
		options.onRequest?.(record);
	};

	/** CORS headers for an allowed Origin; null when the Origin is not allowed. */
	function corsFor(origin: string | undefined): Record<string, string> | null {
		if (origin === undefined) return {};
		if (!origins.has(origin) && !origins.has('*')) return null;
		return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
	}

	/** The checks every API call passes: origin, token, rate. Null when it may go on. */
	function gate(
		req: IncomingMessage
	): { status: number; error: HearthError; headers?: Record<string, string> } | null {
		if (corsFor(req.headers.origin) === null) {
			return {
				status: 403,
				error: new HearthError(
					'permission_denied',
					`Origin ${req.headers.origin} may not call this API (server.cors_origins / --cors).`
				)
			};
		}
		if (!tokenMatches(req.headers.authorization)) {
			return {
				status: 401,
				error: new HearthError(
					'engine_auth',
					'Missing or wrong API token: send Authorization: Bearer <token> (the token is in Hearth\u2019s config folder, file api-token).'
				),
				headers: { 'WWW-Authenticate': 'Bearer realm="hearth"' }
			};
		}
		const rate = limiter.take(options.token);
		if (!rate.ok) {
			return {
				status: 429,
				error: new HearthError(
					'engine_rate_limited',
					`Too many requests: try again in ${rate.retryAfterSeconds} s.`,
					{ retryAfterSeconds: rate.retryAfterSeconds }
				),
				headers: { 'Retry-After': String(rate.retryAfterSeconds) }
			};
		}
		return null;
	}

	async function route(
		req: IncomingMessage,
		res: ServerResponse,
		path: string,
		signal: AbortSignal
	): Promise<Counted> {
		const method = req.method ?? 'GET';
		if (path === '/v1/models' && method === 'GET') {
			sendJson(res, 200, modelsReply(await chat.models(signal, true)));
			return {};
		}
		if (path === '/v1/chat/completions' && method === 'POST') {
			const request = parseCompletionRequest(await readJson(req, maxBody));
			checkChars(longestMessage(request));
			return callerRunsTools(request)
				? passThroughCompletion(deps, chat, request, res, signal)
				: agentCompletion(chat, request, res, signal);
		}
		if (path === '/v1/hearth/stats' && method === 'GET') {
			sendJson(res, 200, stats.snapshot());
			return {};
		}
		if (path === '/chat' && method === 'POST') {
			const body = await readJson(req, maxBody);
			const { message, conversation } = chatBody(body);
			checkChars(message.length);
			const start = conversation
				? await chat.continueWith(conversation, message, signal)
				: await chat.startNew({ turns: [{ role: 'user', content: message }], pin: null, signal });
			const result = await finishAnswer(start);
			if (result.status === 'aborted') throw new HearthError('aborted', 'The client went away.');
			if (result.error) throw result.error;
			sendJson(res, 200, {
				response: result.text,
				conversation: start.conversation.id,
				message: start.answer.id,
				...(result.usage ? { usage: result.usage } : {})
			});
			return {
				promptTokens: result.usage?.promptTokens,
				completionTokens: result.usage?.completionTokens
			};
		}
		const read = /^\/chat\/([A-Za-z0-9_-]{1,100})$/.exec(path);
		if (read && method === 'GET') {
			sendJson(res, 200, await chat.read(read[1]!));
			return {};
		}
		throw new HearthError('file_not_found', `No API route ${method} ${path}.`);
	}

	function checkChars(chars: number) {
		if (chars > maxChars) {
			throw new HearthError(
				'content_too_large',
				`A message is ${chars} characters; this server takes at most ${maxChars}.`
			);
		}
	}

	async function handleApi(req: IncomingMessage, res: ServerResponse, path: string) {
		const started = performance.now();
		const method = req.method ?? 'GET';
		let counted: Counted = {};
		const cors = corsFor(req.headers.origin);
		if (method === 'OPTIONS') {
			if (cors === null || req.headers.origin === undefined) {
				res.writeHead(403, API_HEADERS).end();
			} else {
				res.writeHead(204, {
					...API_HEADERS,
					...cors,
					'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
					'Access-Control-Allow-Headers': 'Authorization, Content-Type',
					'Access-Control-Max-Age': '600'
				});
				res.end();
			}
			return;
		}
		for (const [name, value] of Object.entries(cors ?? {})) res.setHeader(name, value);
		// The answer stops when the caller goes away (a closed socket before the reply ended).
		const abort = new AbortController();
		res.on('close', () => {
			if (!res.writableFinished) abort.abort(new HearthError('aborted', 'The client went away.'));
			count({
				at: Date.now(),
				method,
				path,
				status: res.writableFinished ? res.statusCode : 499,
				ms: Math.round((performance.now() - started) * 10) / 10,
				...counted
			});
		});
		const refused = gate(req);
		if (refused) {
			// Unread bodies are drained so the client sees the status, not a reset.
			req.resume();
			sendError(res, refused.error, refused.status, refused.headers);
			return;
		}
		try {
			counted = await route(req, res, path, abort.signal);
		} catch (e) {
			const error = toHearthError(e);
			if (error.code === 'aborted' && abort.signal.aborted) return;
			if (error.code === 'content_too_large') {
				// The rest of a too-large body is not read: close the connection after the reply.
				res.setHeader('Connection', 'close');
			}
			sendError(res, error);
		}
	}

	const server = createServer((req, res) => {
		let path: string;
		try {
			path = new URL(req.url ?? '/', 'http://localhost').pathname;
		} catch {
			sendError(res, new HearthError('import_invalid', 'Bad request URL.'), 400);
			return;
		}
		if (isApiPath(path)) {
			void handleApi(req, res, path);
			return;
		}
		if (!site) {
			sendError(res, new HearthError('file_not_found', 'This server serves the API only.'), 404);
			return;
		}
		site.handle(req, res).catch(() => {
			if (res.headersSent) res.destroy();
			else site.sendText(res, 500, 'Internal server error');
		});
	});

	const sockets = new WebSocketServer({ noServer: true, maxPayload: maxBody });
	attachChatSocket({
		server,
		sockets,
		chat,
		maxChars,
		gate: (req) => gate(req),
		count
	});

	const bound = await listen(server, options.port ?? DEFAULT_PORT, host);
	return {
		...bound,
		stats,
		close: async () => {
			for (const client of sockets.clients) client.terminate();
			sockets.close();
			await closeServer(server);
		}
	};
}

function isApiPath(path: string): boolean {
	return path.startsWith('/v1/') || path === '/chat' || path.startsWith('/chat/') || path === '/ws';
}

/** POST /chat's body: `{ message, conversation? }`. */
export function chatBody(body: unknown): { message: string; conversation?: string } {
	const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
	const { message, conversation } = record;
	if (typeof message !== 'string' || message.trim() === '') {
		throw new HearthError(
			'import_invalid',
			'Send {"message": "…"} (and "conversation" to go on with one).'
		);
	}
	if (conversation !== undefined && conversation !== null && typeof conversation !== 'string') {
		throw new HearthError('import_invalid', '"conversation" must be the id a previous reply gave.');
	}
	return { message, conversation: conversation ?? undefined };
}
