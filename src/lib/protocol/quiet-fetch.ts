// The quiet-fetch worker's protocol: a GET done off the page, so a server that is not running
// (Ollama at first run) fails without Chromium logging a network error in the page's console.

export interface QuietRequest {
	type: 'get';
	id: number;
	url: string;
	headers: Record<string, string>;
}

export type QuietToWorker = QuietRequest | { type: 'cancel'; id: number };

export type QuietFromWorker =
	| {
			type: 'response';
			id: number;
			status: number;
			statusText: string;
			headers: [string, string][];
			body: string;
	  }
	/** The request did not get a response: the page rethrows it as fetch would (a TypeError). */
	| { type: 'failed'; id: number; message: string };
