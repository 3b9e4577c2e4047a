import type { CatalogModel, CatalogVariant } from '$lib/engine/catalog';
import type { GpuProbe } from '$lib/protocol/llm';

export interface DeviceEnvironment {
	gpu: GpuProbe;
	/** navigator.deviceMemory: browsers cap it at 8, so 8 means "8 GB or more". */
	deviceMemoryGB?: number;
	storage?: { quotaBytes: number; usageBytes: number };
}

export type Fit =
	| { ok: true; variant: CatalogVariant; note?: string }
	| { ok: false; variant: CatalogVariant; reason: string };

export interface ModelOffer {
	model: CatalogModel;
	fit: Fit;
}

export interface DeviceAssessment {
	env: DeviceEnvironment;
	summary: string;
	offers: ModelOffer[];
	recommended: ModelOffer | null;
}

export function assessDevice(
	env: DeviceEnvironment,
	catalog?: readonly CatalogModel[]
): DeviceAssessment {
	void env;
	void catalog;
	throw new Error('not implemented yet');
}

export async function readEnvironment(
	gpu: GpuProbe,
	nav?: Pick<Navigator, 'storage'> & { deviceMemory?: number }
): Promise<DeviceEnvironment> {
	void nav;
	return { gpu };
}
