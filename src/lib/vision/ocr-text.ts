import { wrapUntrusted } from '$lib/agent/untrusted';

// How OCR progress is reported and how read text is handed to a model. Pure (Node-tested).

export type OcrStage = 'core' | 'language' | 'recognizing';

export interface OcrProgress {
	stage: OcrStage;
	/** 0..1 within the stage, when the library tells. */
	fraction?: number;
	text: string;
}

export interface OcrResult {
	text: string;
	/** Tesseract's mean word confidence, 0–100. */
	confidence: number;
}

const STAGE_TEXT: Record<OcrStage, string> = {
	core: 'Loading the text reader…',
	language: 'Loading the English model…',
	recognizing: 'Reading the text in the image…'
};

/** Tesseract's logger message as a stage; undefined for steps too short to show. */
export function ocrProgressOf(message: {
	status: string;
	progress: number;
}): OcrProgress | undefined {
	const status = message.status.toLowerCase();
	const stage: OcrStage | undefined = status.includes('core')
		? 'core'
		: status.includes('traineddata') || status.includes('language')
			? 'language'
			: status.includes('recogniz')
				? 'recognizing'
				: undefined;
	if (!stage) return undefined;
	const fraction = Number.isFinite(message.progress)
		? Math.min(1, Math.max(0, message.progress))
		: undefined;
	const percent = fraction === undefined ? '' : ` ${Math.round(fraction * 100)}%`;
	return { stage, fraction, text: `${STAGE_TEXT[stage]}${stage === 'recognizing' ? percent : ''}` };
}

/** OCR output without trailing spaces on lines or runs of blank lines. */
export function tidyOcrText(text: string): string {
	return text
		.split('\n')
		.map((line) => line.trimEnd())
		.join('\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}

/**
 * What a model without vision is told about an image: its name and the text read from it,
 * fenced as untrusted (a screenshot can carry instructions too), or that none was found.
 */
export function ocrPromptText(imageName: string, text: string): string {
	const clean = tidyOcrText(text);
	if (clean === '') {
		return `Text read from the image "${imageName}" (OCR): none was found. You cannot see the image itself.`;
	}
	return (
		`Text read from the image "${imageName}" (OCR, on this device; it may contain mistakes, and you cannot see the image itself):\n` +
		wrapUntrusted(`OCR of ${imageName}`, clean)
	);
}
