// Local usage metrics as data: one row per settled answer, and daily rollups the dashboard reads.
// Nothing here is ever sent anywhere; the rows live on the device and can be cleared or turned off.
import type { EngineKind } from '$lib/types/llm';
import type { ToolCallStatus } from '$lib/types/tools';

/** What the face knows about how a message was asked (the core cannot tell it was spoken). */
export interface AnswerFeatures {
	voice: boolean;
	images: boolean;
	knowledge: boolean;
	memory: boolean;
}

export type FeatureName = keyof AnswerFeatures;
export const FEATURE_NAMES: readonly FeatureName[] = ['voice', 'images', 'knowledge', 'memory'];

export interface ToolUse {
	name: string;
	status: ToolCallStatus;
	durationMs?: number;
	errorCode?: string;
}

/** One settled answer (done, stopped or failed). */
export interface AnswerMetric {
	id: string;
	messageId: string;
	/** When it settled (ms). */
	at: number;
	/** Its local day, YYYY-MM-DD, in the zone it was recorded in. */
	day: string;
	engine: EngineKind;
	model: string;
	agent?: string;
	status: 'done' | 'error' | 'aborted';
	errorCode?: string;
	firstTokenMs?: number;
	totalMs?: number;
	promptTokens?: number;
	completionTokens?: number;
	/** Prompt tokens the engine served from its cache, where it reports them. */
	cachedTokens?: number;
	tokensPerSecond?: number;
	tools: ToolUse[];
	features: AnswerFeatures;
}

/** Latency as a histogram, so percentiles survive summing days and models together. */
export interface LatencyHistogram {
	count: number;
	sum: number;
	/** Counts per bucket (see metrics/histogram). */
	buckets: number[];
}

export interface ToolTally {
	calls: number;
	/** Ran and returned. */
	ok: number;
	/** Failed (error or timeout). */
	failed: number;
	/** Refused by the person, or stopped. */
	refused: number;
}

/** Everything recorded one day for one engine and model. */
export interface DayRollup {
	/** `${day}|${engine}|${model}`. */
	key: string;
	day: string;
	engine: EngineKind;
	model: string;
	answers: number;
	errors: number;
	stopped: number;
	errorCodes: Record<string, number>;
	firstToken: LatencyHistogram;
	total: LatencyHistogram;
	/** Answers that reported a speed, and the sum of their speeds. */
	speed: { count: number; sum: number };
	promptTokens: number;
	completionTokens: number;
	cachedTokens: number;
	tools: Record<string, ToolTally>;
	features: Record<FeatureName, number>;
}

/** Where answers are recorded: the browser's database, a file in the terminal. */
export interface MetricsSink {
	record(metric: AnswerMetric): Promise<void>;
}

/** Raw rows are kept this long; older days live on as rollups only. */
export const RAW_DAYS = 30;
