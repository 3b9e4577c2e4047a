import { liveQuery, type Subscription } from 'dexie';
import type { LedgerEntry } from '$lib/net/types';
import type { HearthDb } from '$lib/storage/db';
import { toHearthError, type HearthError } from '$lib/types/errors';

// The privacy ledger as the UI shows it: a page of entries (newest first), totals per host,
// live as requests happen (Dexie liveQuery), and clear.

export interface HostTotal {
	host: string;
	requests: number;
	blocked: number;
	bytesSent: number;
	bytesReceived: number;
}

export interface LedgerDeps {
	db: HearthDb;
	pageSize?: number;
	onError?: (e: HearthError) => void;
}

interface Snapshot {
	entries: LedgerEntry[];
	count: number;
	hosts: HostTotal[];
}

/** Totals per host, most bytes first. */
export function totalsByHost(entries: readonly LedgerEntry[]): HostTotal[] {
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local tally, not state
	const byHost = new Map<string, HostTotal>();
	for (const e of entries) {
		const key = e.host || '(no host)';
		const total = byHost.get(key) ?? {
			host: key,
			requests: 0,
			blocked: 0,
			bytesSent: 0,
			bytesReceived: 0
		};
		total.requests++;
		if (e.outcome === 'blocked') total.blocked++;
		total.bytesSent += e.bytesSent;
		total.bytesReceived += e.bytesReceived;
		byHost.set(key, total);
	}
	return [...byHost.values()].sort(
		(a, b) =>
			b.bytesSent + b.bytesReceived - (a.bytesSent + a.bytesReceived) || b.requests - a.requests
	);
}

export class LedgerState {
	/** The current page, newest first. */
	entries = $state.raw<LedgerEntry[]>([]);
	/** Every entry kept (the ledger is bounded, so this stays small). */
	count = $state(0);
	hosts = $state.raw<HostTotal[]>([]);
	page = $state(0);
	loaded = $state(false);
	readonly pageSize: number = 50;

	pages = $derived(Math.max(1, Math.ceil(this.count / this.pageSize)));
	totalSent = $derived(this.hosts.reduce((sum, h) => sum + h.bytesSent, 0));
	totalReceived = $derived(this.hosts.reduce((sum, h) => sum + h.bytesReceived, 0));

	#deps: LedgerDeps;
	#subscription: Subscription | null = null;

	constructor(deps: LedgerDeps) {
		this.#deps = deps;
		this.pageSize = deps.pageSize ?? 50;
	}

	/** Starts live updates (e.g. when the dialog opens); returns the stop function. */
	start(): () => void {
		this.#subscribe();
		return () => this.stop();
	}

	stop(): void {
		this.#subscription?.unsubscribe();
		this.#subscription = null;
	}

	setPage(page: number): void {
		const next = Math.min(Math.max(0, page), this.pages - 1);
		if (next === this.page) return;
		this.page = next;
		if (this.#subscription) this.#subscribe();
	}

	async clear(): Promise<void> {
		try {
			await this.#deps.db.ledger.clear();
			this.setPage(0);
		} catch (e) {
			this.#deps.onError?.(toHearthError(e));
		}
	}

	#subscribe(): void {
		this.stop();
		const { db } = this.#deps;
		const page = this.page;
		const size = this.pageSize;
		const query = liveQuery(async (): Promise<Snapshot> => {
			const all = await db.ledger.toArray();
			const entries = await db.ledger
				.orderBy('id')
				.reverse()
				.offset(page * size)
				.limit(size)
				.toArray();
			return { entries, count: all.length, hosts: totalsByHost(all) };
		});
		this.#subscription = query.subscribe({
			next: (snapshot) => {
				this.entries = snapshot.entries;
				this.count = snapshot.count;
				this.hosts = snapshot.hosts;
				this.loaded = true;
				// Entries were cleared or pruned under this page: step back to the last one.
				if (this.page > 0 && this.page >= this.pages) this.setPage(this.pages - 1);
			},
			error: (e: unknown) => this.#deps.onError?.(toHearthError(e))
		});
	}
}
