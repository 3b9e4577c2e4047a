// Latency histograms with buckets 10 % wide from 25 ms to about six minutes (plus one below and one
// above): two percentiles read from them are within about 5 % of the exact ones, and histograms
// of different days or models simply add up, which exact percentiles cannot.
import type { LatencyHistogram } from '$lib/metrics/types';

const FIRST_EDGE = 25;
const FACTOR = 1.1;
/** Bucket 0 is [0, 25 ms); bucket i is [25·1.1^(i-1), 25·1.1^i); the last is open-ended. */
export const BUCKETS = 102;

export function emptyHistogram(): LatencyHistogram {
	return { count: 0, sum: 0, buckets: new Array<number>(BUCKETS).fill(0) };
}

export function bucketOf(ms: number): number {
	if (!(ms >= FIRST_EDGE)) return 0;
	const i = Math.floor(Math.log(ms / FIRST_EDGE) / Math.log(FACTOR)) + 1;
	return Math.min(BUCKETS - 1, i);
}

/** The lower edge of bucket i. */
export function lowerEdge(i: number): number {
	return i === 0 ? 0 : FIRST_EDGE * FACTOR ** (i - 1);
}

export function addSample(h: LatencyHistogram, ms: number): void {
	h.count++;
	h.sum += ms;
	const i = bucketOf(ms);
	h.buckets[i] = (h.buckets[i] ?? 0) + 1;
}

export function mergeInto(target: LatencyHistogram, other: LatencyHistogram): void {
	target.count += other.count;
	target.sum += other.sum;
	for (let i = 0; i < BUCKETS; i++)
		target.buckets[i] = (target.buckets[i] ?? 0) + (other.buckets[i] ?? 0);
}

/** The p-th percentile (0..100), interpolated within its bucket; null when empty. */
export function histogramPercentile(h: LatencyHistogram, p: number): number | null {
	if (h.count === 0) return null;
	const rank = (p / 100) * h.count;
	let seen = 0;
	for (let i = 0; i < BUCKETS; i++) {
		const n = h.buckets[i] ?? 0;
		if (n === 0) continue;
		if (seen + n >= rank) {
			const low = lowerEdge(i);
			// The open-ended top bucket has no width to interpolate in.
			if (i === BUCKETS - 1) return low;
			const high = lowerEdge(i + 1);
			const within = n === 0 ? 0 : Math.max(0, rank - seen) / n;
			return low + (high - low) * within;
		}
		seen += n;
	}
	return lowerEdge(BUCKETS - 1);
}
