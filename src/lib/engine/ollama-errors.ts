import { bodyPreview } from '$lib/engine/http-errors';
import type { HttpErrorHints } from '$lib/engine/http-errors';
import { isRecord } from '$lib/engine/ollama-wire';
import { HearthError } from '$lib/types/errors';

// Ollama's wording for the errors a person fixes with an Ollama command. The mapping from
// status and exception to code is engine-neutral and lives in `engine/http-errors.ts`.

/**
 * Who calls Ollama, for the advice. A web page (`page`: its origin): a refused origin looks
 * exactly like a stopped server from inside the page, so OLLAMA_ORIGINS is named. A process
 * (the terminal, the API server): origins play no part; `setting` says how to point Hearth at
 * another address.
 */
export type OllamaCaller = { page: string } | { process: { setting: string } };

/** The hints for one Ollama server. */
export function ollamaHttpHints(
	label: string,
	baseUrl: string,
	caller: OllamaCaller
): HttpErrorHints {
	return {
		label,
		unreachable: (cause) =>
			'page' in caller
				? ollamaUnreachable(baseUrl, caller.page, cause)
				: ollamaUnreachableFromProcess(baseUrl, caller.process.setting, cause),
		authAdvice:
			'page' in caller
				? `If a proxy sits in front of Ollama, check its credentials; otherwise Ollama is ` +
					`refusing this page's origin; restart it with: OLLAMA_ORIGINS=${caller.page} ollama serve`
				: `A proxy in front of Ollama refused Hearth: check its credentials.`,
		errorDetail: ollamaErrorDetail
	};
}

/**
 * A chat for a model Ollama lacks answers 404 "model ... not found"; one that sends `tools` to a
 * model without tool support answers 400 "... does not support tools". Anything else is generic.
 */
export function recogniseChatError(
	label: string,
	model: string
): NonNullable<HttpErrorHints['recognise']> {
	return (status, detail) => {
		if (status === 404 && /not found/i.test(detail)) return ollamaModelNotFound(label, model);
		if (status === 400 && /does not support tools/i.test(detail)) {
			return new HearthError(
				'tools_unsupported',
				`${model} in ${label} cannot use tools. Pick a model that can (for example ` +
					`llama3.1 or qwen2.5), or turn tools off for this chat.`,
				{ status }
			);
		}
		return undefined;
	};
}

function ollamaUnreachable(baseUrl: string, origin: string, cause: unknown): HearthError {
	return new HearthError(
		'engine_unreachable',
		`Hearth can't reach Ollama at ${baseUrl}. If Ollama isn't running, start it with: ` +
			`ollama serve — If it is running, it is refusing this page's origin; restart it with: ` +
			`OLLAMA_ORIGINS=${origin} ollama serve`,
		{ cause }
	);
}

/** What Node's fetch says went wrong underneath ("connection refused"), when it says. */
function networkReason(cause: unknown): string {
	const inner = (cause as { cause?: { code?: unknown } } | null)?.cause;
	const code = typeof inner?.code === 'string' ? inner.code : undefined;
	const reasons: Record<string, string> = {
		ECONNREFUSED: 'nothing is listening there',
		ENOTFOUND: 'that host name does not resolve',
		EAI_AGAIN: 'that host name could not be looked up',
		ECONNRESET: 'the connection was reset',
		EHOSTUNREACH: 'that host is unreachable',
		ETIMEDOUT: 'the connection timed out',
		UND_ERR_CONNECT_TIMEOUT: 'the connection timed out'
	};
	return code ? ` (${reasons[code] ?? code})` : '';
}

function ollamaUnreachableFromProcess(
	baseUrl: string,
	setting: string,
	cause: unknown
): HearthError {
	return new HearthError(
		'engine_unreachable',
		`Hearth can't reach Ollama at ${baseUrl}${networkReason(cause)}. Is Ollama running? ` +
			`Start it with: ollama serve (or open the Ollama app). If it runs at another address, ` +
			`point Hearth at it: ${setting}.`,
		{ cause }
	);
}

/** `available` lists the installed models when known, so the person sees what they do have. */
export function ollamaModelNotFound(
	label: string,
	model: string,
	available?: string[]
): HearthError {
	const installed =
		available === undefined
			? ''
			: available.length === 0
				? ' No models are installed yet.'
				: ` Installed: ${available.join(', ')}.`;
	return new HearthError(
		'model_not_found',
		`${label} doesn't have the model "${model}". Download it with: ollama pull ${model}${installed}`
	);
}

export function ollamaStreamBroken(cause?: unknown): HearthError {
	return new HearthError('engine_stream_broken', 'The connection to Ollama dropped mid-answer.', {
		cause
	});
}

/** Ollama's error bodies are `{"error": "..."}`; proxies in front of it may send text or HTML. */
function ollamaErrorDetail(body: string): string {
	try {
		const parsed: unknown = JSON.parse(body);
		if (isRecord(parsed) && typeof parsed.error === 'string') return parsed.error;
	} catch {
		// Not JSON: fall through to the raw text.
	}
	return bodyPreview(body);
}
