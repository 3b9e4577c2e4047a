import { PREVIEW_CHARS, bodyPreview } from '$lib/engine/http-errors';
import type { HttpErrorHints } from '$lib/engine/http-errors';
import { errorMessage } from '$lib/engine/openai-wire';
import { HearthError } from '$lib/types/errors';

// The wording for errors of an OpenAI-compatible server (LM Studio, llama.cpp server, vLLM).
// The mapping from status and exception to code is engine-neutral: `engine/http-errors.ts`.

/** What stands in for the API key wherever a server echoes it back. */
const REDACTED = '[API key]';

/**
 * The hints for one server. `origin` is quoted in the CORS advice, because a refused origin
 * looks exactly like a stopped server from inside the page. `apiKey` is only used to blank it
 * out of any error text the server echoes back (some quote the key they refused).
 */
export function openAiHttpHints(
	label: string,
	root: string,
	origin: string,
	apiKey: string | undefined
): HttpErrorHints {
	return {
		label,
		unreachable: (cause) => openAiUnreachable(root, origin, cause),
		authAdvice: apiKey
			? 'Check the API key in Settings.'
			: 'The server asks for an API key: enter it in Settings.',
		errorDetail: (body) => redact(openAiErrorDetail(body), apiKey)
	};
}

/**
 * A chat whose 404 names the requested model means the server does not have it. With `tools`
 * sent, a 4xx/5xx naming tools as unsupported or needing a flag means no tool calling here:
 * llama.cpp says "tools param requires --jinja flag", vLLM "\"auto\" tool choice requires
 * --enable-auto-tool-choice", others "tools are not supported".
 */
export function recogniseChatError(
	label: string,
	model: string,
	withTools: boolean
): NonNullable<HttpErrorHints['recognise']> {
	return (status, detail) => {
		if (status === 404 && detail.includes(model)) return openAiModelNotFound(label, model);
		if (withTools && status >= 400 && TOOLS_NAMED.test(detail) && UNSUPPORTED.test(detail)) {
			return new HearthError(
				'tools_unsupported',
				`${label} cannot call tools with "${model}" as it is set up (it said: ${detail}). ` +
					`Start the server with tool calling on (llama.cpp: --jinja; vLLM: ` +
					`--enable-auto-tool-choice --tool-call-parser …), pick another model, or turn tools off.`,
				{ status }
			);
		}
		return undefined;
	};
}

const TOOLS_NAMED = /\btools?\b|tool_choice|tool choice|function call/i;
const UNSUPPORTED = /not support|unsupported|requires|not enabled|not allowed|jinja/i;

function openAiUnreachable(root: string, origin: string, cause: unknown): HearthError {
	return new HearthError(
		'engine_unreachable',
		`Hearth can't reach the OpenAI-compatible server at ${root}. Is the server running, and is ` +
			`the address right? If it is running, it is refusing this page's origin (${origin}): ` +
			`allow it with CORS. LM Studio: enable CORS in the server settings; llama.cpp server ` +
			`allows it by default; vLLM: start it with --allowed-origins '["${origin}"]'.`,
		{ cause }
	);
}

/** `available` lists the server's models when known, so the person sees what they can pick. */
export function openAiModelNotFound(
	label: string,
	model: string,
	available?: string[]
): HearthError {
	const listed =
		available === undefined
			? ''
			: available.length === 0
				? ' It lists no models: load one in the server first.'
				: ` It has: ${available.join(', ')}.`;
	return new HearthError(
		'model_not_found',
		`${label} doesn't have the model "${model}". Pick one of its models in Settings, or load ` +
			`"${model}" in the server.${listed}`
	);
}

export function openAiStreamBroken(cause?: unknown): HearthError {
	return new HearthError(
		'engine_stream_broken',
		'The connection to the OpenAI-compatible server dropped mid-answer.',
		{ cause }
	);
}

/** An `{"error": ...}` event inside a stream that had already started. */
export function openAiStreamError(message: string, apiKey: string | undefined): HearthError {
	return new HearthError(
		'engine_http',
		`The server stopped with an error: ${redact(message, apiKey).slice(0, PREVIEW_CHARS)}`
	);
}

function openAiErrorDetail(body: string): string {
	try {
		const message = errorMessage(JSON.parse(body));
		if (message !== undefined) return bodyPreview(message);
	} catch {
		// Not JSON (a proxy's HTML page, say): fall through to the raw text.
	}
	return bodyPreview(body);
}

function redact(text: string, apiKey: string | undefined): string {
	return apiKey ? text.split(apiKey).join(REDACTED) : text;
}
