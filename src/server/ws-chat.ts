// WS /ws: streamed chat over a WebSocket. The upgrade passes the same gate as every API call
// (origin, token, rate); browsers, which cannot set headers on a WebSocket, may send the token
// as the subprotocol `hearth.bearer.<token>`.
//
// Client → server: {"type":"chat","id":"…","message":"…","conversation":"…"?} and
//                  {"type":"stop","id":"…"}
// Server → client: {"type":"ack","id","conversation","message","answer"} once both are saved,
//                  {"type":"delta","id","text"}…, then {"type":"done","id","response","status",
//                  "usage"?} or {"type":"error","id","error":{"code","message"}}.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { HearthError, toHearthError } from '$lib/types/errors';
import { finishAnswer, type ApiChat } from './api-chat';
import type { RequestRecord } from './stats';

const PROTOCOL_PREFIX = 'hearth.bearer.';

export interface ChatSocketOptions {
	server: Server;
	sockets: WebSocketServer;
	chat: ApiChat;
	maxChars: number;
	gate(
		req: IncomingMessage
	): { status: number; error: HearthError; headers?: Record<string, string> } | null;
	count(record: RequestRecord): void;
}

export function attachChatSocket(options: ChatSocketOptions): void {
	const { server, sockets } = options;
	server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
		const path = new URL(req.url ?? '/', 'http://localhost').pathname;
		if (path !== '/ws') {
			refuse(socket, 404, 'Not found');
			return;
		}
		const offered = String(req.headers['sec-websocket-protocol'] ?? '')
			.split(',')
			.map((p) => p.trim())
			.find((p) => p.startsWith(PROTOCOL_PREFIX));
		if (!req.headers.authorization && offered) {
			req.headers.authorization = `Bearer ${offered.slice(PROTOCOL_PREFIX.length)}`;
		}
		const started = performance.now();
		const refused = options.gate(req);
		if (refused) {
			options.count({
				at: Date.now(),
				method: 'GET',
				path: '/ws',
				status: refused.status,
				ms: Math.round(performance.now() - started)
			});
			refuse(socket, refused.status, refused.error.message, refused.headers);
			return;
		}
		sockets.handleUpgrade(req, socket, head, (ws) => serve(ws, req, options));
	});
}

function refuse(
	socket: Duplex,
	status: number,
	message: string,
	headers: Record<string, string> = {}
) {
	const body = Buffer.from(JSON.stringify({ error: { message } }));
	const lines = [
		`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 429 ? 'Too Many Requests' : status === 403 ? 'Forbidden' : 'Not Found'}`,
		'Content-Type: application/json',
		`Content-Length: ${body.length}`,
		'Connection: close',
		...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)
	];
	socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]));
}

function serve(ws: WebSocket, req: IncomingMessage, options: ChatSocketOptions) {
	const running = new Map<string, AbortController>();
	const send = (data: object) => {
		if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(data));
	};
	ws.on('close', () => {
		for (const controller of running.values())
			controller.abort(new HearthError('aborted', 'The socket closed.'));
	});
	ws.on('message', (data, isBinary) => {
		let parsed: Record<string, unknown>;
		try {
			if (isBinary) throw new Error('binary');
			const value: unknown = JSON.parse(String(data));
			if (typeof value !== 'object' || value === null) throw new Error('not an object');
			parsed = value as Record<string, unknown>;
		} catch {
			send({
				type: 'error',
				error: { code: 'import_invalid', message: 'Send JSON text messages.' }
			});
			return;
		}
		const id = typeof parsed.id === 'string' ? parsed.id : String(running.size + 1);
		if (parsed.type === 'stop') {
			running.get(id)?.abort(new HearthError('aborted', 'Stopped.'));
			return;
		}
		if (parsed.type !== 'chat') {
			send({
				type: 'error',
				id,
				error: { code: 'import_invalid', message: 'Unknown message type.' }
			});
			return;
		}
		// Every chat message is a request: it passes the rate limit again.
		const refused = options.gate(req);
		if (refused) {
			send({
				type: 'error',
				id,
				error: {
					...refused.error.toJSON(),
					status: refused.status,
					retryAfterSeconds: refused.error.retryAfterSeconds
				}
			});
			return;
		}
		void chatTurn(id, parsed, send, running, options);
	});
}

async function chatTurn(
	id: string,
	message: Record<string, unknown>,
	send: (data: object) => void,
	running: Map<string, AbortController>,
	options: ChatSocketOptions
) {
	const started = performance.now();
	const controller = new AbortController();
	running.set(id, controller);
	let status = 200;
	let tokens: Pick<RequestRecord, 'promptTokens' | 'completionTokens'> = {};
	try {
		const text = message.message;
		if (typeof text !== 'string' || text.trim() === '') {
			throw new HearthError('import_invalid', '"message" must be text.');
		}
		if (text.length > options.maxChars) {
			throw new HearthError(
				'content_too_large',
				`The message is ${text.length} characters; this server takes at most ${options.maxChars}.`
			);
		}
		const conversation =
			typeof message.conversation === 'string' ? message.conversation : undefined;
		const start = conversation
			? await options.chat.continueWith(conversation, text, controller.signal)
			: await options.chat.startNew({
					turns: [{ role: 'user', content: text }],
					pin: null,
					signal: controller.signal
				});
		send({
			type: 'ack',
			id,
			conversation: start.conversation.id,
			message: start.user.id,
			answer: start.answer.id
		});
		const result = await finishAnswer(start, (delta) => send({ type: 'delta', id, text: delta }));
		tokens = {
			promptTokens: result.usage?.promptTokens,
			completionTokens: result.usage?.completionTokens
		};
		if (result.error) {
			status = 500;
			send({ type: 'error', id, error: result.error.toJSON() });
		} else {
			send({
				type: 'done',
				id,
				response: result.text,
				status: result.status,
				...(result.usage ? { usage: result.usage } : {})
			});
		}
	} catch (e) {
		const error = toHearthError(e);
		status = error.code === 'content_too_large' ? 413 : error.code === 'file_not_found' ? 404 : 400;
		send({ type: 'error', id, error: error.toJSON() });
	} finally {
		running.delete(id);
		options.count({
			at: Date.now(),
			method: 'WS',
			path: '/ws',
			status,
			ms: Math.round((performance.now() - started) * 10) / 10,
			...tokens
		});
	}
}
