export type Theme = 'system' | 'light' | 'dark';

export interface Settings {
	ollamaUrl: string;
	/** Model id to use for new conversations; empty = first one the engine lists. */
	model: string;
	temperature: number;
	maxTokens: number;
	systemPrompt: string;
	theme: Theme;
	autoTitle: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
	ollamaUrl: 'http://localhost:11434',
	model: '',
	temperature: 0.7,
	maxTokens: 2048,
	systemPrompt: '',
	theme: 'system',
	autoTitle: true
};
