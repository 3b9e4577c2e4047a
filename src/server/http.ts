import type { IncomingMessage, ServerResponse } from 'node:http';
import { HearthError, toHearthError, type ErrorCode } from '$lib/types/errors';

/** Headers every API reply carries. */
export const API_HEADERS: Readonly<Record<string, string>> = {
	'Cache-Control': 'no-store',
	'X-Content-Type-Options': 'nosniff'
};

/** The HTTP status for an error code (OpenAI's clients map these to their own error classes). */
export function statusOf(code: ErrorCode): number {
	switch (code) {
		case 'model_not_found':
		case 'file_not_found':
			return 404;
		case 'content_too_large':
			return 413;
		case 'engine_auth':
			return 401;
		case 'permission_denied':
			return 403;
		case 'engine_rate_limited':
			return 429;
		case 'import_invalid':
		case 'context_overflow':
		case 'tools_unsupported':
		case 'tool_invalid_args':
		case 'not_supported':
		case 'image_invalid':
			return 400;
		case 'no_model':
			return 503;
		case 'engine_unreachable':
		case 'engine_http':
		case 'engine_stream_broken':
		case 'engine_malformed':
		case 'engine_crashed':
			return 502;
		default:
			return 500;
	}
}

/** OpenAI's error body, with Hearth's stable code. */
export function errorBody(error: HearthError, status = statusOf(error.code)) {
	const type =
		status === 401
			? 'authentication_error'
			: status === 429
				? 'rate_limit_error'
				: status >= 500
					? 'server_error'
					: 'invalid_request_error';
	return { error: { message: error.message, type, param: null, code: error.code } };
}

export function sendJson(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {}
): void {
	const bytes = Buffer.from(JSON.stringify(body));
	res.writeHead(status, {
		...API_HEADERS,
		...headers,
		'Content-Type': 'application/json; charset=utf-8',
		'Content-Length': String(bytes.length)
	});
	res.end(bytes);
}

export function sendError(
	res: ServerResponse,
	e: unknown,
	status?: number,
	headers: Record<string, string> = {}
): void {
	const error = toHearthError(e);
	const code = status ?? statusOf(error.code);
	if (res.headersSent) {
		res.destroy();
		return;
	}
	sendJson(res, code, errorBody(error, code), headers);
}

/**
 * The request body, at most `max` bytes: a larger one fails content_too_large (413) as soon as
 * it is known to be larger, without reading the rest into memory.
 */
export async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
	const tooLarge = () =>
		new HearthError('content_too_large', `The request body is larger than ${max} bytes.`);
	const declared = Number(req.headers['content-length'] ?? NaN);
	if (Number.isFinite(declared) && declared > max) throw tooLarge();
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req as AsyncIterable<Buffer>) {
		size += chunk.length;
		if (size > max) throw tooLarge();
		chunks.push(chunk);
	}
	return Buffer.concat(chunks);
}

/** The body as JSON, or import_invalid (400). */
export async function readJson(req: IncomingMessage, max: number): Promise<unknown> {
	const body = await readBody(req, max);
	try {
		return JSON.parse(body.toString('utf8'));
	} catch (e) {
		throw new HearthError('import_invalid', 'The request body is not valid JSON.', { cause: e });
	}
}
