import { HearthError } from '$lib/types/errors';

/**
 * Token counts by the loaded model's own tokenizer. web-llm keeps it private
 * (MLCEngine.loadedModelIdToPipeline → LLMChatPipeline.tokenizer.encode), so this is the one
 * place that reaches in, checking every step at run time: if web-llm changes shape, countTokens
 * fails with a coded error and the page estimates instead of crashing.
 */
export function countTokensViaPipeline(engine: object, modelId: string, texts: string[]): number[] {
	const pipelines = (engine as { loadedModelIdToPipeline?: unknown }).loadedModelIdToPipeline;
	const pipeline = pipelines instanceof Map ? (pipelines.get(modelId) as unknown) : undefined;
	const tokenizer =
		typeof pipeline === 'object' && pipeline !== null
			? (pipeline as { tokenizer?: unknown }).tokenizer
			: undefined;
	const encode =
		typeof tokenizer === 'object' && tokenizer !== null
			? (tokenizer as { encode?: unknown }).encode
			: undefined;
	if (typeof encode !== 'function') {
		throw new HearthError(
			'model_unsupported',
			'This version of the in-browser engine does not expose its tokenizer; Hearth estimates instead.'
		);
	}
	return texts.map((text) => {
		const ids: unknown = encode.call(tokenizer, text);
		const length = (ids as { length?: unknown } | null)?.length;
		if (typeof length !== 'number') {
			throw new HearthError(
				'model_unsupported',
				'The tokenizer gave an answer Hearth cannot read.'
			);
		}
		return length;
	});
}
