import { findVariant } from '$lib/engine/catalog';
import type { CatalogModel, CatalogVariant } from '$lib/engine/catalog';
import type { DeviceAssessment, DeviceEnvironment, Fit } from '$lib/engine/capability';
import type { DownloadProgress, StoredModel } from '$lib/engine/model-store';
import type { ModelInfo } from '$lib/engine/types';
import type { SerializedError } from '$lib/types/errors';
import { formatBytes } from '$lib/utils/format-bytes';

// What ModelsState shows, computed from what it holds: plain functions of the catalog, the
// device assessment, the stored models and the downloads, so the rune class keeps only state
// and actions.

export interface DownloadEntry {
	/** Null until the first progress event. */
	progress: DownloadProgress | null;
	/** Set when the download stopped on a failure; the entry then no longer means "running". */
	error?: SerializedError;
}

export interface QuotaSuggestion {
	id: string;
	name: string;
	bytes: number;
}

export interface QuotaProblem {
	neededBytes?: number;
	message: string;
	/** Stored models, largest first: what deleting would free the most space. */
	suggestions: QuotaSuggestion[];
}

export type RowStatus = 'absent' | 'downloading' | 'partial' | 'broken' | 'complete';

export interface ModelRow {
	model: CatalogModel;
	/** The variant this device would use (f16 when the GPU has 16-bit floats, else f32). */
	variant: CatalogVariant;
	fit: Fit;
	stored: StoredModel | undefined;
	download: DownloadEntry | undefined;
	status: RowStatus;
	isDefault: boolean;
	isRecommended: boolean;
}

export type FoundVariant = { model: CatalogModel; variant: CatalogVariant };

export function allVariants(catalog: readonly CatalogModel[]): FoundVariant[] {
	return catalog.flatMap((model) =>
		Object.values(model.variants).map((variant) => ({ model, variant }))
	);
}

/** Display name of a variant, with its precision when both could be stored. */
export function variantName(variantId: string, catalog: readonly CatalogModel[]): string {
	const found = findVariant(variantId, catalog);
	return found ? `${found.model.name} (${found.variant.precision})` : variantId;
}

/**
 * The model new conversations use: `wanted` when usable; else the recommended one if it is
 * downloaded; else a downloaded one this device can run (a model in hand beats one to fetch);
 * else the recommended one.
 */
export function pickDefaultId(
	wanted: string,
	assessment: DeviceAssessment | null,
	installed: readonly string[]
): string | null {
	const offers = assessment?.offers ?? [];
	if (wanted) {
		const offered = offers.some((o) => o.fit.ok && o.fit.variant.id === wanted);
		if (offered || installed.includes(wanted)) return wanted;
	}
	const recommended = assessment?.recommended?.fit.variant.id ?? null;
	if (recommended && installed.includes(recommended)) return recommended;
	const ready = offers.find((o) => o.fit.ok && installed.includes(o.fit.variant.id));
	return ready?.fit.variant.id ?? recommended;
}

/** For the engine chain: the default when downloaded, else the chosen one, else the first. */
export function preferredInstalledId(
	installed: readonly ModelInfo[],
	defaultId: string | null,
	wanted: string
): string | null {
	const ids = installed.map((m) => m.id);
	if (defaultId && ids.includes(defaultId)) return defaultId;
	if (wanted && ids.includes(wanted)) return wanted;
	return ids[0] ?? null;
}

function statusOf(stored: StoredModel | undefined, download: DownloadEntry | undefined): RowStatus {
	if (download && !download.error) return 'downloading';
	return stored?.state ?? 'absent';
}

/** One row per catalog model the assessment covers, with the variant it offers. */
export function buildRows(
	catalog: readonly CatalogModel[],
	assessment: DeviceAssessment | null,
	stored: Readonly<Record<string, StoredModel>>,
	downloads: Readonly<Record<string, DownloadEntry>>,
	defaultId: string | null
): ModelRow[] {
	if (!assessment) return [];
	const recommended = assessment.recommended?.fit.variant.id;
	return catalog.flatMap((model) => {
		const offer = assessment.offers.find((o) => o.model.key === model.key);
		if (!offer) return [];
		const variant = offer.fit.variant;
		const storedModel = stored[variant.id];
		const download = downloads[variant.id];
		return [
			{
				model,
				variant,
				fit: offer.fit,
				stored: storedModel,
				download,
				status: statusOf(storedModel, download),
				isDefault: offer.fit.ok && defaultId === variant.id,
				isRecommended: recommended === variant.id
			}
		];
	});
}

/** The complete models this device can load, as the in-browser engine lists them. */
export function installedModelInfos(
	installed: readonly string[],
	catalog: readonly CatalogModel[],
	stored: Readonly<Record<string, StoredModel>>,
	env: DeviceEnvironment | null
): ModelInfo[] {
	// An f16 build stored earlier cannot load on a GPU without 16-bit floats: leave it out.
	const noF16 = env?.gpu.webgpu === true && !env.gpu.shaderF16;
	return installed.flatMap((id) => {
		const found = findVariant(id, catalog);
		if (!found) return [];
		if (noF16 && found.variant.requiredFeatures.includes('shader-f16')) return [];
		const { model, variant } = found;
		return [
			{
				id,
				name: model.name,
				sizeBytes: stored[id]?.bytesStored,
				contextLength: model.contextWindow,
				family: model.family,
				parameterSize: model.parameters,
				quantization: variant.quantization
			}
		];
	});
}

/** What a download that ran out of space needs, and which stored models could make room. */
export function quotaProblemFor(
	found: FoundVariant,
	progress: DownloadProgress | null,
	stored: Readonly<Record<string, StoredModel>>,
	catalog: readonly CatalogModel[]
): QuotaProblem {
	const total = progress?.totalBytes || found.variant.downloadBytes;
	return storageFull({
		id: found.variant.id,
		name: found.model.name,
		neededBytes: Math.max(0, total - (progress?.loadedBytes ?? 0)),
		stored: Object.values(stored).map((s) => ({
			id: s.id,
			name: variantName(s.id, catalog),
			bytes: s.bytesStored
		}))
	});
}

/**
 * A download of model `id` ran out of space: how much more it needs, and the other stored models
 * (of either runtime), largest first, whose deletion would make room.
 */
export function storageFull(input: {
	id: string;
	name: string;
	/** Unknown when the download failed before learning the file's size. */
	neededBytes?: number;
	stored: readonly QuotaSuggestion[];
}): QuotaProblem {
	const suggestions = input.stored
		.filter((s) => s.id !== input.id && s.bytes > 0)
		.sort((a, b) => b.bytes - a.bytes);
	const free = suggestions.length
		? ' Delete a model you no longer need, then resume.'
		: ' Free up space on this device, then resume.';
	const needed =
		input.neededBytes === undefined
			? '.'
			: ` (about ${formatBytes(input.neededBytes)} more is needed).`;
	return {
		...(input.neededBytes === undefined ? {} : { neededBytes: input.neededBytes }),
		message: `There is not enough storage space left for ${input.name}${needed}${free}`,
		suggestions
	};
}
