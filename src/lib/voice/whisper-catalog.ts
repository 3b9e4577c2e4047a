import type { SttDtype } from '$lib/protocol/stt';

// The Whisper models Hearth offers, as data. Sizes are the q8 ONNX exports (Xenova/*: encoder +
// merged decoder) plus tokenizer and configs, rounded; the download learns exact sizes from the
// server. WER is LibriSpeech test-clean with greedy decoding as published in the Whisper paper
// (Radford et al. 2022, appendix D.1.1); the q8 exports score about the same.

/** Whisper's languages (ISO 639-1 where there is one), with their English names. */
export const WHISPER_LANGUAGES: readonly (readonly [code: string, name: string])[] = [
	['en', 'English'],
	['zh', 'Chinese'],
	['de', 'German'],
	['es', 'Spanish'],
	['ru', 'Russian'],
	['ko', 'Korean'],
	['fr', 'French'],
	['ja', 'Japanese'],
	['pt', 'Portuguese'],
	['tr', 'Turkish'],
	['pl', 'Polish'],
	['ca', 'Catalan'],
	['nl', 'Dutch'],
	['ar', 'Arabic'],
	['sv', 'Swedish'],
	['it', 'Italian'],
	['id', 'Indonesian'],
	['hi', 'Hindi'],
	['fi', 'Finnish'],
	['vi', 'Vietnamese'],
	['he', 'Hebrew'],
	['uk', 'Ukrainian'],
	['el', 'Greek'],
	['ms', 'Malay'],
	['cs', 'Czech'],
	['ro', 'Romanian'],
	['da', 'Danish'],
	['hu', 'Hungarian'],
	['ta', 'Tamil'],
	['no', 'Norwegian'],
	['th', 'Thai'],
	['ur', 'Urdu'],
	['hr', 'Croatian'],
	['bg', 'Bulgarian'],
	['lt', 'Lithuanian'],
	['la', 'Latin'],
	['mi', 'Maori'],
	['ml', 'Malayalam'],
	['cy', 'Welsh'],
	['sk', 'Slovak'],
	['te', 'Telugu'],
	['fa', 'Persian'],
	['lv', 'Latvian'],
	['bn', 'Bengali'],
	['sr', 'Serbian'],
	['az', 'Azerbaijani'],
	['sl', 'Slovenian'],
	['kn', 'Kannada'],
	['et', 'Estonian'],
	['mk', 'Macedonian'],
	['br', 'Breton'],
	['eu', 'Basque'],
	['is', 'Icelandic'],
	['hy', 'Armenian'],
	['ne', 'Nepali'],
	['mn', 'Mongolian'],
	['bs', 'Bosnian'],
	['kk', 'Kazakh'],
	['sq', 'Albanian'],
	['sw', 'Swahili'],
	['gl', 'Galician'],
	['mr', 'Marathi'],
	['pa', 'Punjabi'],
	['si', 'Sinhala'],
	['km', 'Khmer'],
	['sn', 'Shona'],
	['yo', 'Yoruba'],
	['so', 'Somali'],
	['af', 'Afrikaans'],
	['oc', 'Occitan'],
	['ka', 'Georgian'],
	['be', 'Belarusian'],
	['tg', 'Tajik'],
	['sd', 'Sindhi'],
	['gu', 'Gujarati'],
	['am', 'Amharic'],
	['yi', 'Yiddish'],
	['lo', 'Lao'],
	['uz', 'Uzbek'],
	['fo', 'Faroese'],
	['ht', 'Haitian Creole'],
	['ps', 'Pashto'],
	['tk', 'Turkmen'],
	['nn', 'Nynorsk'],
	['mt', 'Maltese'],
	['sa', 'Sanskrit'],
	['lb', 'Luxembourgish'],
	['my', 'Myanmar'],
	['bo', 'Tibetan'],
	['tl', 'Tagalog'],
	['mg', 'Malagasy'],
	['as', 'Assamese'],
	['tt', 'Tatar'],
	['haw', 'Hawaiian'],
	['ln', 'Lingala'],
	['ha', 'Hausa'],
	['ba', 'Bashkir'],
	['jw', 'Javanese'],
	['su', 'Sundanese']
];

const ALL_LANGUAGES = WHISPER_LANGUAGES.map(([code]) => code);

export interface WhisperModelInfo {
	/** Hugging Face id: the download path and the id transformers.js loads. */
	id: string;
	/** Shown in the label: "Whisper tiny.en on this device". */
	name: string;
	/** Approximate download size. */
	sizeMB: number;
	/** English-only models (.en) are better at English and take no language setting. */
	multilingual: boolean;
	/** Language codes it transcribes. */
	languages: readonly string[];
	/** LibriSpeech test-clean WER in %, as published; null when not. */
	werTestClean: number | null;
	dtype: SttDtype;
	/** Every file transformers.js reads for this model with `dtype`; the big ones first. */
	files: readonly string[];
	license: string;
	/** Generated for tests: recognises no speech, never offered to a person. */
	testOnly?: boolean;
}

/** What transformers.js 4 reads for a Whisper model with dtype 'q8' (checked in the tests). */
const Q8_FILES = [
	'onnx/decoder_model_merged_quantized.onnx',
	'onnx/encoder_model_quantized.onnx',
	'tokenizer.json',
	'config.json',
	'generation_config.json',
	'preprocessor_config.json',
	'tokenizer_config.json'
] as const;

function whisper(
	size: 'tiny' | 'base' | 'small',
	english: boolean,
	sizeMB: number,
	werTestClean: number
): WhisperModelInfo {
	const variant = english ? `${size}.en` : size;
	return {
		id: `Xenova/whisper-${variant}`,
		name: `Whisper ${variant}`,
		sizeMB,
		multilingual: !english,
		languages: english ? ['en'] : ALL_LANGUAGES,
		werTestClean,
		dtype: 'q8',
		files: Q8_FILES,
		license: 'MIT'
	};
}

export const WHISPER_CATALOG: readonly WhisperModelInfo[] = [
	whisper('tiny', true, 43, 5.6),
	whisper('tiny', false, 43, 7.6),
	whisper('base', true, 80, 4.2),
	whisper('base', false, 80, 5.0),
	whisper('small', true, 250, 3.1),
	whisper('small', false, 250, 3.4),
	{
		id: 'hearth-test/echo-whisper',
		name: 'Test recogniser (echo)',
		sizeMB: 2.6,
		multilingual: false,
		languages: ['en'],
		werTestClean: null,
		dtype: 'q8',
		files: Q8_FILES,
		license: 'generated',
		testOnly: true
	}
];

/** The default for English: the smallest, fast enough on WASM on a phone. */
export const DEFAULT_WHISPER_MODEL_ID = 'Xenova/whisper-tiny.en';

/**
 * For other languages: multilingual base, since multilingual tiny is much weaker outside
 * English (the paper's Fleurs WERs roughly halve from tiny to base) for 37 MB more.
 */
export const DEFAULT_MULTILINGUAL_MODEL_ID = 'Xenova/whisper-base';

export function findWhisperModel(id: string): WhisperModelInfo | undefined {
	return WHISPER_CATALOG.find((m) => m.id === id);
}

/** Models a person may pick (the test model is left out unless asked for). */
export function offeredWhisperModels(includeTest = false): WhisperModelInfo[] {
	return WHISPER_CATALOG.filter((m) => includeTest || !m.testOnly);
}

/**
 * The model for the settings: the chosen one when it is in the catalog, else the default for
 * the language. A chosen model that cannot do the language is still used: the choice is theirs.
 */
export function whisperModelFor(modelId: string, language: string): WhisperModelInfo {
	const chosen = modelId ? findWhisperModel(modelId) : undefined;
	if (chosen) return chosen;
	const id =
		language === '' || language === 'en' ? DEFAULT_WHISPER_MODEL_ID : DEFAULT_MULTILINGUAL_MODEL_ID;
	const model = findWhisperModel(id);
	if (!model) throw new Error(`The Whisper catalog lacks its default ${id}.`);
	return model;
}

/** Whether the model transcribes `language` (English-only models only English). */
export function speaksLanguage(model: WhisperModelInfo, language: string): boolean {
	return model.languages.includes(language);
}
