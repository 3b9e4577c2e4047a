import type { SerializedError } from '$lib/types/errors';

/** Why a request is made, as the privacy ledger shows it. */
export interface NetPurpose {
	/** Plain words: "web search (Wikipedia)", "model download: Qwen2.5 1.5B". */
	purpose: string;
	/** The tool that asked, when one did. Tool requests obey the "offline only" switch. */
	tool?: string;
}

/**
 * fetch() that records the request in the privacy ledger (time, purpose, host, bytes) and refuses
 * tool requests while "offline only" is on (HearthError 'network_blocked').
 */
export type NetFetch = (url: string, init: RequestInit, meta: NetPurpose) => Promise<Response>;

/** One outbound request, as the ledger stores it. */
export interface LedgerEntry {
	id?: number;
	at: number;
	purpose: string;
	tool?: string;
	method: string;
	/** The full URL: it is the user's own device, and what was sent is what they need to see. */
	url: string;
	host: string;
	bytesSent: number;
	/** Counted as the body is read; may grow after the entry is first written. */
	bytesReceived: number;
	status?: number;
	outcome: 'ok' | 'error' | 'blocked';
	durationMs?: number;
	error?: SerializedError;
}
