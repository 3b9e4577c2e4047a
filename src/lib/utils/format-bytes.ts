// Sizes in decimal units (1 GB = 10^9 bytes), as model hubs and storage quotas state them.
const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** "0 B", "812 KB", "312 MB", "1.2 GB": one decimal below 10, whole numbers above. */
export function formatBytes(bytes: number): string {
	if (!Number.isFinite(bytes) || bytes <= 0) return '0 B';
	let value = bytes;
	let unit = 0;
	while (value >= 1000 && unit < UNITS.length - 1) {
		value /= 1000;
		unit++;
	}
	// Rounding can carry a value up to the next unit (999.6 MB → "1000 MB"); step up instead.
	if (Math.round(value) >= 1000 && unit < UNITS.length - 1) {
		value /= 1000;
		unit++;
	}
	const text =
		value < 10 && unit > 0 ? value.toFixed(1).replace(/\.0$/, '') : String(Math.round(value));
	return `${text} ${UNITS[unit]}`;
}

/** "4.1 MB/s". */
export function formatSpeed(bytesPerSecond: number): string {
	return `${formatBytes(bytesPerSecond)}/s`;
}

/** "less than a minute left", "about 3 min left", "about 1 h 20 min left"; '' when unknown. */
export function formatEta(seconds: number | null): string {
	if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '';
	if (seconds < 60) return 'less than a minute left';
	const minutes = Math.round(seconds / 60);
	if (minutes < 60) return `about ${minutes} min left`;
	const hours = Math.floor(minutes / 60);
	const rest = minutes % 60;
	return rest === 0 ? `about ${hours} h left` : `about ${hours} h ${rest} min left`;
}

/** What a download progress line needs; structural so utils stays below engine/. */
export interface TransferFigures {
	loadedBytes: number;
	totalBytes: number;
	bytesPerSecond: number;
	etaSeconds: number | null;
}

/** "312 MB of 1.2 GB · 26% · 4.1 MB/s · about 3 min left"; parts that are unknown are left out. */
export function formatTransfer(t: TransferFigures): string {
	const parts: string[] = [];
	if (t.totalBytes > 0) {
		parts.push(`${formatBytes(t.loadedBytes)} of ${formatBytes(t.totalBytes)}`);
		parts.push(`${Math.floor(Math.min(1, t.loadedBytes / t.totalBytes) * 100)}%`);
	} else {
		parts.push(formatBytes(t.loadedBytes));
	}
	if (t.bytesPerSecond > 0) parts.push(formatSpeed(t.bytesPerSecond));
	const eta = formatEta(t.etaSeconds);
	if (eta) parts.push(eta);
	return parts.join(' · ');
}
