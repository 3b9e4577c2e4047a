import type { Reminder } from '$lib/types/agent-data';
import { toHearthError, type HearthError } from '$lib/types/errors';
import type { ReminderNotifier } from '$lib/reminders/notifier';
import type { ReminderStore } from '$lib/reminders/store';

/** setTimeout fires at once for delays above 2^31 - 1 ms (about 24.8 days): wait in steps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** A reminder due this recently when Hearth opens still goes off (a reload at the due minute). */
export const MISSED_GRACE_MS = 60_000;

export interface SchedulerClock {
	now(): number;
	setTimeout(run: () => void, ms: number): unknown;
	clearTimeout(handle: unknown): void;
}

const realClock: SchedulerClock = {
	now: () => Date.now(),
	setTimeout: (run, ms) => setTimeout(run, ms),
	clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)
};

export interface ReminderSchedulerOptions {
	store: ReminderStore;
	notifier: ReminderNotifier;
	clock?: SchedulerClock;
	/** Reminders whose time passed while Hearth was closed (once, at start; may be empty). */
	onMissed?(reminders: Reminder[]): void;
	onFired?(reminder: Reminder): void;
	/** Storage failures while arming or firing: the scheduler keeps going. */
	onError?(error: HearthError): void;
}

/**
 * Fires reminders while Hearth is open. One timer, armed for the earliest scheduled reminder and
 * re-armed whenever the store changes. Nothing runs while the browser is closed (no push server,
 * by design); what passed meanwhile is marked missed at the next start.
 */
export class ReminderScheduler {
	readonly #o: ReminderSchedulerOptions;
	readonly #clock: SchedulerClock;
	#timer: unknown = null;
	#running = false;
	/** Bumped by every arm/stop, so an arm that finishes late doesn't set a stale timer. */
	#generation = 0;
	#unsubscribe: (() => void) | null = null;

	constructor(options: ReminderSchedulerOptions) {
		this.#o = options;
		this.#clock = options.clock ?? realClock;
	}

	/** Marks what passed while closed as missed (reported through onMissed and returned), then arms. */
	async start(): Promise<Reminder[]> {
		if (this.#running) return [];
		this.#running = true;
		const missed: Reminder[] = [];
		try {
			const cutoff = this.#clock.now() - MISSED_GRACE_MS;
			for (const r of await this.#o.store.dueBy(cutoff)) {
				const settled = await this.#o.store.settle(r.id, 'missed');
				if (settled) missed.push(settled);
			}
		} catch (e) {
			this.#o.onError?.(toHearthError(e));
		}
		if (!this.#running) return missed;
		this.#unsubscribe = this.#o.store.subscribe(() => void this.rearm());
		this.#o.onMissed?.(missed);
		await this.rearm();
		return missed;
	}

	stop(): void {
		this.#running = false;
		this.#generation++;
		this.#unsubscribe?.();
		this.#unsubscribe = null;
		this.#clearTimer();
	}

	get running(): boolean {
		return this.#running;
	}

	#clearTimer(): void {
		if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
		this.#timer = null;
	}

	/** Sets the one timer for the earliest scheduled reminder (called on every store change). */
	async rearm(): Promise<void> {
		if (!this.#running) return;
		const generation = ++this.#generation;
		let next: Reminder | undefined;
		try {
			next = await this.#o.store.nextScheduled();
		} catch (e) {
			this.#o.onError?.(toHearthError(e));
			return;
		}
		if (generation !== this.#generation) return;
		this.#clearTimer();
		if (!next) return;
		const delay = Math.max(0, next.dueAt - this.#clock.now());
		this.#timer = this.#clock.setTimeout(
			() => {
				this.#timer = null;
				void this.#fireDue();
			},
			Math.min(delay, MAX_TIMER_MS)
		);
	}

	async #fireDue(): Promise<void> {
		if (!this.#running) return;
		try {
			// Also catches a timer that woke late (a sleeping laptop): everything due goes off now.
			for (const r of await this.#o.store.dueBy(this.#clock.now())) {
				const fired = await this.#o.store.settle(r.id, 'fired');
				if (!fired) continue; // another tab got there first
				await this.#o.notifier.notify(fired);
				this.#o.onFired?.(fired);
			}
		} catch (e) {
			this.#o.onError?.(toHearthError(e));
		}
		// settle() already re-armed through the subscription; this covers the 24.8-day step.
		await this.rearm();
	}
}
