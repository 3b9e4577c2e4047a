// Memory proposals are not worth a model call after every message: exchanges that might state
// something durable wait here and are read in one call per conversation, once answering has
// been quiet for a while (or the page is being left).

export interface Exchange<E> {
	conversationId: string;
	/** Which engine and model to ask (the one that answered last). */
	engine: E;
	model: string;
	userText: string;
	answer: string;
	/** Where untrusted text the conversation holds came from; proposals keep it. */
	untrusted?: readonly string[];
}

/** Several exchanges of one conversation, read in one call. */
export interface ExchangeBatch<E> {
	conversationId: string;
	engine: E;
	model: string;
	userTexts: string[];
	/** The last answer, as context. */
	answer: string;
	/** Every exchange's untrusted origins: a proposal from the batch carries them all. */
	untrusted?: string[];
}

export interface ProposalQueueOptions<E> {
	/** Reads one batch (one model call). Its failures are its own business. */
	read: (batch: ExchangeBatch<E>) => Promise<void>;
	/** Quiet time after the last exchange before reading (ms). */
	quietMs?: number;
	/** A conversation's batch is read at once when it reaches this many exchanges. */
	maxBatch?: number;
	/** True while an answer is being written: reading waits so it never slows an answer. */
	busy?: () => boolean;
}

export class ProposalQueue<E> {
	readonly #pending = new Map<string, ExchangeBatch<E>>();
	readonly #options: Required<ProposalQueueOptions<E>>;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#reading: Promise<void> = Promise.resolve();

	constructor(options: ProposalQueueOptions<E>) {
		this.#options = { quietMs: 10_000, maxBatch: 5, busy: () => false, ...options };
	}

	/** Exchanges waiting to be read. */
	get size(): number {
		let n = 0;
		for (const batch of this.#pending.values()) n += batch.userTexts.length;
		return n;
	}

	add(exchange: Exchange<E>): void {
		const batch = this.#pending.get(exchange.conversationId);
		const untrusted = [...new Set([...(batch?.untrusted ?? []), ...(exchange.untrusted ?? [])])];
		if (batch) {
			batch.userTexts.push(exchange.userText);
			Object.assign(batch, {
				engine: exchange.engine,
				model: exchange.model,
				answer: exchange.answer
			});
		} else {
			this.#pending.set(exchange.conversationId, {
				conversationId: exchange.conversationId,
				engine: exchange.engine,
				model: exchange.model,
				userTexts: [exchange.userText],
				answer: exchange.answer
			});
		}
		const pending = this.#pending.get(exchange.conversationId)!;
		if (untrusted.length > 0) pending.untrusted = untrusted;
		if (
			(this.#pending.get(exchange.conversationId)?.userTexts.length ?? 0) >= this.#options.maxBatch
		) {
			void this.flush();
		} else {
			this.#schedule();
		}
	}

	/** Reads everything waiting now (leaving the page, or a test). */
	flush(): Promise<void> {
		if (this.#timer !== null) clearTimeout(this.#timer);
		this.#timer = null;
		const batches = [...this.#pending.values()];
		this.#pending.clear();
		this.#reading = this.#reading.then(async () => {
			for (const batch of batches) await this.#options.read(batch).catch(() => undefined);
		});
		return this.#reading;
	}

	#schedule(): void {
		if (this.#timer !== null) clearTimeout(this.#timer);
		this.#timer = setTimeout(() => {
			this.#timer = null;
			// Still answering: look again after another quiet spell.
			if (this.#options.busy()) this.#schedule();
			else void this.flush();
		}, this.#options.quietMs);
	}
}
