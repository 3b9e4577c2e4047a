import type {
	BuiltinSpecialTokenValue,
	ChatHistoryItem,
	LlamaModel,
	LlamaText,
	Token
} from 'node-llama-cpp';
import type { ChatMessage } from '$lib/engine/types';
import { toWebLlmMessages } from '$workers/llm-webllm';

// How a conversation becomes llama.cpp's prompt, the same way in every face.

/**
 * Hearth's history as llama.cpp's chat takes it: the same transformation the in-browser engines
 * apply (tool results as labelled user turns, calls as the JSON schema mode writes), so every
 * face builds the same prompt. A trailing assistant turn is continued; otherwise one is opened.
 */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
	const history: ChatHistoryItem[] = toWebLlmMessages(messages).map((m): ChatHistoryItem => {
		const text =
			typeof m.content === 'string'
				? m.content
				: m.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
		if (m.role === 'system') return { type: 'system', text };
		if (m.role === 'user') return { type: 'user', text };
		return { type: 'model', response: text ? [text] : [] };
	});
	if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
	return history;
}

/**
 * The prompt's tokens as llama.cpp's server makes them: the template rendered to one text, then
 * tokenised whole with special tokens parsed (so `<|im_start|>` is one token where the vocabulary
 * has it, and the same pieces as in the browser where it has not), after the BOS the template
 * asks for.
 */
export function promptTokens(model: LlamaModel, text: LlamaText): Token[] {
	const tokens: Token[] = [];
	let pending = '';
	const flush = () => {
		if (pending !== '') tokens.push(...model.tokenize(pending, true));
		pending = '';
	};
	const parts = text.toJSON();
	for (const part of typeof parts === 'string' ? [parts] : parts) {
		if (typeof part === 'string') pending += part;
		else if (part.type === 'specialTokensText') pending += part.value;
		else {
			flush();
			// The template's own BOS/EOS: the model's token for it, never the text "BOS".
			tokens.push(...model.tokenize(part.value as BuiltinSpecialTokenValue, 'builtin'));
		}
	}
	flush();
	return tokens;
}
