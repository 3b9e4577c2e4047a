// Turns byte counts from several concurrent file downloads into one progress report: totals,
// speed over a sliding window, time left. Pure arithmetic over an injected clock, so it is
// tested without a network.

export interface DownloadProgress {
	/** Bytes in place: files already stored (resumed) + finished files + bytes of files in flight. */
	loadedBytes: number;
	totalBytes: number;
	/** 0..1; never goes backwards, even when a late Content-Length grows the total. */
	fraction: number;
	/** Measured over the last few seconds of network transfer (resumed bytes do not count). */
	bytesPerSecond: number;
	etaSeconds: number | null;
	/** The file that last made progress. */
	file: string;
	filesDone: number;
	filesTotal: number;
	/** Bytes that were already stored and valid, so not fetched again. */
	resumedBytes: number;
}

const WINDOW_MS = 5000;
/** Enough for a smooth bar without flooding the UI with one update per network chunk. */
const EMIT_EVERY_MS = 100;

export class ProgressTracker {
	private totalBytes = 0;
	private doneBytes = 0;
	private resumedBytes = 0;
	private filesDone = 0;
	private networkBytes = 0;
	private readonly inFlight = new Map<string, number>();
	private samples: { at: number; bytes: number }[] = [];
	private lastEmit = -Infinity;
	private lastFraction = 0;
	private lastFile = '';

	constructor(
		private readonly filesTotal: number,
		private readonly now: () => number,
		private readonly onProgress: (p: DownloadProgress) => void
	) {
		this.samples.push({ at: now(), bytes: 0 });
	}

	/** Bytes not yet stored: what the rest of the download needs in free space. */
	get bytesNotStored(): number {
		return Math.max(0, this.totalBytes - this.doneBytes);
	}

	get total(): number {
		return this.totalBytes;
	}

	/** A file still to fetch, of known (or announced) size. */
	expect(bytes: number): void {
		this.totalBytes += bytes;
	}

	/** A file already stored and valid: not fetched again. */
	resumed(file: string, bytes: number): void {
		this.resumedBytes += bytes;
		this.alreadyDone(file, bytes);
	}

	/** A file fetched and stored before tracking began (the manifests, which size the rest). */
	alreadyDone(file: string, bytes: number): void {
		this.totalBytes += bytes;
		this.doneBytes += bytes;
		this.filesDone++;
		this.lastFile = file;
	}

	received(file: string, bytes: number): void {
		this.inFlight.set(file, (this.inFlight.get(file) ?? 0) + bytes);
		this.networkBytes += bytes;
		this.lastFile = file;
		this.emit(false);
	}

	/** A failed attempt's bytes are no longer in place (the transfer still counted for speed). */
	restart(file: string): void {
		this.inFlight.delete(file);
	}

	/** Finished; `actualBytes` corrects the total when the file's size was a guess. */
	finished(file: string, actualBytes: number, expectedBytes: number): void {
		this.inFlight.delete(file);
		this.totalBytes += actualBytes - expectedBytes;
		this.doneBytes += actualBytes;
		this.filesDone++;
		this.lastFile = file;
		this.emit(true);
	}

	/** The last report: everything is in place. */
	complete(): void {
		this.totalBytes = this.loaded();
		this.emit(true);
	}

	private loaded(): number {
		let bytes = this.doneBytes;
		for (const n of this.inFlight.values()) bytes += n;
		return bytes;
	}

	emit(force: boolean): void {
		const at = this.now();
		if (!force && at - this.lastEmit < EMIT_EVERY_MS) return;
		this.lastEmit = at;
		this.samples.push({ at, bytes: this.networkBytes });
		// Keep one sample older than the window as the baseline for the rate.
		while (this.samples.length > 2 && (this.samples[1]?.at ?? at) <= at - WINDOW_MS) {
			this.samples.shift();
		}
		const first = this.samples[0] ?? { at, bytes: 0 };
		const seconds = (at - first.at) / 1000;
		const bytesPerSecond = seconds > 0 ? (this.networkBytes - first.bytes) / seconds : 0;
		const loadedBytes = this.loaded();
		const totalBytes = Math.max(this.totalBytes, loadedBytes);
		const raw = totalBytes > 0 ? loadedBytes / totalBytes : 1;
		this.lastFraction = Math.max(this.lastFraction, Math.min(1, raw));
		const remaining = totalBytes - loadedBytes;
		this.onProgress({
			loadedBytes,
			totalBytes,
			fraction: this.lastFraction,
			bytesPerSecond,
			etaSeconds: remaining === 0 ? 0 : bytesPerSecond > 0 ? remaining / bytesPerSecond : null,
			file: this.lastFile,
			filesDone: this.filesDone,
			filesTotal: this.filesTotal,
			resumedBytes: this.resumedBytes
		});
	}
}
