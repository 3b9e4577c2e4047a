// The microphone level a person sees: RMS in dBFS mapped onto 0..1 (so quiet speech still moves
// the meter), with a fast attack and a slower release so it does not flicker.

/** Root mean square of the samples (0 for none). */
export function rms(samples: Float32Array): number {
	if (samples.length === 0) return 0;
	let sum = 0;
	for (const s of samples) sum += s * s;
	return Math.sqrt(sum / samples.length);
}

/** dBFS of an RMS value; -Infinity for silence. */
export function toDecibels(value: number): number {
	return value > 0 ? 20 * Math.log10(value) : -Infinity;
}

/** Maps an RMS value to 0..1 on a dB scale: `floorDb` (and below) → 0, 0 dBFS → 1. */
export function levelFromRms(value: number, floorDb = -60): number {
	const db = toDecibels(value);
	if (!(db > floorDb)) return 0;
	return Math.min(1, (db - floorDb) / -floorDb);
}

export interface LevelMeterOptions {
	floorDb?: number;
	/** Share of a rise applied per update (0..1]; high = the meter jumps up with speech. */
	attack?: number;
	/** Share of a fall applied per update (0..1]; low = it sinks back slowly. */
	release?: number;
}

export interface LevelMeter {
	/** Feeds one block of samples; returns the smoothed level, 0..1. */
	push(samples: Float32Array): number;
	readonly level: number;
	reset(): void;
}

export function createLevelMeter(options: LevelMeterOptions = {}): LevelMeter {
	const floorDb = options.floorDb ?? -60;
	const attack = options.attack ?? 0.6;
	const release = options.release ?? 0.15;
	let level = 0;
	return {
		push(samples) {
			const target = levelFromRms(rms(samples), floorDb);
			const k = target > level ? attack : release;
			level += (target - level) * k;
			if (level < 1e-4) level = 0;
			return level;
		},
		get level() {
			return level;
		},
		reset() {
			level = 0;
		}
	};
}
