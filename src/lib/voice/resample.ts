import { SAMPLE_RATE } from '$lib/voice/types';

// Band-limited resampling for microphone audio (48 or 44.1 kHz → 16 kHz for the recognisers).
// Dropping samples would fold everything above 8 kHz back into the speech band as noise, so each
// output sample is a Blackman-windowed sinc low-pass evaluated at its position in the input.

/** Zero crossings of the sinc on each side: ~100 taps at 48 → 16 kHz, stopband well under -60 dB. */
const ZERO_CROSSINGS = 16;
/** Cut-off as a fraction of the lower Nyquist rate, leaving room for the filter's transition band. */
const CUTOFF = 0.9;
/** Above this many distinct filter phases (odd rate pairs) the kernel is computed per sample. */
const MAX_PHASES = 2048;

function gcd(a: number, b: number): number {
	while (b) [a, b] = [b, a % b];
	return a;
}

function sinc(x: number): number {
	if (x === 0) return 1;
	const px = Math.PI * x;
	return Math.sin(px) / px;
}

/** Blackman window over [-1, 1]; 0 outside. */
function blackman(u: number): number {
	if (u <= -1 || u >= 1) return 0;
	const t = (u + 1) / 2;
	return 0.42 - 0.5 * Math.cos(2 * Math.PI * t) + 0.08 * Math.cos(4 * Math.PI * t);
}

interface Filter {
	/** Cut-off in cycles per input sample. */
	fc: number;
	/** Half-width of the kernel in input samples. */
	half: number;
}

function weight(f: Filter, distance: number): number {
	return 2 * f.fc * sinc(2 * f.fc * distance) * blackman(distance / f.half);
}

/** One output sample at input position `t`; weights normalised so DC (and the edges) keep gain 1. */
function sampleAt(input: Float32Array, t: number, f: Filter, kernel?: Float64Array): number {
	const first = Math.ceil(t - f.half);
	const last = Math.floor(t + f.half);
	let sum = 0;
	let norm = 0;
	for (let i = first; i <= last; i++) {
		if (i < 0 || i >= input.length) continue;
		const w = kernel ? (kernel[i - first] ?? 0) : weight(f, t - i);
		sum += (input[i] ?? 0) * w;
		norm += w;
	}
	return norm > 1e-9 ? sum / norm : 0;
}

/**
 * Resamples mono audio from `fromRate` to `toRate` (default 16 kHz) with an anti-aliasing
 * low-pass. Returns the input itself when the rates already match.
 */
export function resample(
	input: Float32Array,
	fromRate: number,
	toRate: number = SAMPLE_RATE
): Float32Array {
	if (!(fromRate > 0) || !(toRate > 0)) throw new RangeError('Sample rates must be positive.');
	if (fromRate === toRate || input.length === 0) return input;
	const fc = (0.5 * CUTOFF * Math.min(fromRate, toRate)) / fromRate;
	const filter: Filter = { fc, half: ZERO_CROSSINGS / (2 * fc) };
	const outLength = Math.floor((input.length * toRate) / fromRate);
	const out = new Float32Array(outLength);

	// Output j sits at input position j·from/to; its fractional part repeats every `phases`
	// outputs, so for usual rate pairs each phase's kernel is computed once (polyphase).
	const g = gcd(Math.round(fromRate), Math.round(toRate));
	const phases = Number.isInteger(fromRate) && Number.isInteger(toRate) ? toRate / g : Infinity;
	const kernels = phases <= MAX_PHASES ? new Map<number, Float64Array>() : null;

	for (let j = 0; j < outLength; j++) {
		const t = (j * fromRate) / toRate;
		let kernel: Float64Array | undefined;
		if (kernels) {
			const phase = j % phases;
			kernel = kernels.get(phase);
			if (!kernel) {
				const first = Math.ceil(t - filter.half);
				const last = Math.floor(t + filter.half);
				kernel = new Float64Array(last - first + 1);
				for (let i = first; i <= last; i++) kernel[i - first] = weight(filter, t - i);
				kernels.set(phase, kernel);
			}
		}
		out[j] = sampleAt(input, t, filter, kernel);
	}
	return out;
}

/** Averages interleaved or planar channels into one: what the recognisers take. */
export function mixToMono(channels: readonly Float32Array[]): Float32Array {
	const [first] = channels;
	if (!first) return new Float32Array(0);
	if (channels.length === 1) return first;
	const out = new Float32Array(first.length);
	for (const channel of channels) {
		for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) + (channel[i] ?? 0);
	}
	for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / channels.length;
	return out;
}

/** Joins recorded chunks into one buffer. */
export function concatChunks(chunks: readonly Float32Array[]): Float32Array {
	let length = 0;
	for (const c of chunks) length += c.length;
	const out = new Float32Array(length);
	let at = 0;
	for (const c of chunks) {
		out.set(c, at);
		at += c.length;
	}
	return out;
}
