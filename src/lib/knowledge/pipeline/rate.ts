// A moving rate for ETAs: an exponentially weighted bytes-per-second, so one slow PDF does not
// pin the estimate and one fast skip does not make it jump.

export class MovingRate {
	readonly #halfLifeMs: number;
	#rate: number | undefined;
	#lastAt: number | undefined;
	#lastTotal = 0;

	constructor(halfLifeMs = 5000) {
		this.#halfLifeMs = halfLifeMs;
	}

	/** Records the running total at a time; returns the rate in units per second. */
	update(total: number, at: number): number | undefined {
		if (this.#lastAt === undefined) {
			this.#lastAt = at;
			this.#lastTotal = total;
			return this.#rate;
		}
		const dt = at - this.#lastAt;
		if (dt <= 0) return this.#rate;
		const instant = ((total - this.#lastTotal) * 1000) / dt;
		const weight = 1 - Math.pow(0.5, dt / this.#halfLifeMs);
		this.#rate = this.#rate === undefined ? instant : this.#rate + weight * (instant - this.#rate);
		this.#lastAt = at;
		this.#lastTotal = total;
		return this.#rate;
	}

	get rate(): number | undefined {
		return this.#rate;
	}

	/** Seconds to do `remaining` more at the current rate. */
	eta(remaining: number): number | undefined {
		if (this.#rate === undefined || this.#rate <= 0) return undefined;
		return Math.max(0, remaining / this.#rate);
	}
}
