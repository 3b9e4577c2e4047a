import * as v from 'valibot';
import type { PythonFromWorker } from '$lib/protocol/python';
import { ERROR_CODES } from '$lib/types/error-codes';

// What the page accepts from the Python worker. The worker runs code a model wrote, maybe on a
// page's say-so, so its messages are checked against the protocol before anything acts on
// them: a message that does not fit ends the worker (PythonConnection treats it as garbled),
// a figure must be a PNG as base64 (never a URL the page would load), an error must name one
// of Hearth's codes, a fetch must be http(s). Nothing the worker says is a command: a `fetch`
// is a request the page may refuse (src/lib/python/sandbox.ts, src/lib/tools/python.ts).

const Id = v.pipe(v.number(), v.integer(), v.minValue(0));
const Text = v.string();
const Finite = v.pipe(v.number(), v.finite());
const PngDataUrl = v.pipe(v.string(), v.regex(/^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/));
const HttpUrl = v.pipe(v.string(), v.regex(/^https?:\/\//i));

const ErrorShape = v.object({ code: v.picklist(ERROR_CODES), message: Text });

const RunResult = v.object({
	stdout: Text,
	stderr: Text,
	result: v.optional(Text),
	error: v.optional(v.object({ type: Text, message: Text, traceback: Text })),
	images: v.array(PngDataUrl),
	durationMs: Finite
});

const Values = {
	start: v.object({
		version: Text,
		interruptible: v.boolean(),
		startMs: Finite,
		fenceMs: v.optional(Finite)
	}),
	plan: v.object({ packages: v.array(Text) }),
	loadPackages: v.object({ loaded: v.array(Text) }),
	run: RunResult
};

const Result = v.variant('ok', [
	v.object({
		type: v.literal('result'),
		id: Id,
		call: v.picklist(['start', 'plan', 'loadPackages', 'run']),
		ok: v.literal(true),
		value: v.unknown()
	}),
	v.object({
		type: v.literal('result'),
		id: Id,
		call: v.picklist(['start', 'plan', 'loadPackages', 'run']),
		ok: v.literal(false),
		error: ErrorShape
	})
]);

const Message = v.variant('type', [
	v.object({ type: v.literal('ready') }),
	v.object({
		type: v.literal('progress'),
		id: Id,
		progress: v.object({
			fraction: v.optional(v.pipe(Finite, v.minValue(0), v.maxValue(1))),
			text: Text
		})
	}),
	v.object({
		type: v.literal('output'),
		id: Id,
		stream: v.picklist(['stdout', 'stderr']),
		text: Text
	}),
	v.object({
		type: v.literal('fetch'),
		id: Id,
		fetchId: Id,
		request: v.object({
			url: HttpUrl,
			method: v.pipe(v.string(), v.regex(/^[A-Za-z]{1,16}$/)),
			headers: v.array(v.tuple([Text, Text])),
			body: v.optional(v.instance(ArrayBuffer)),
			integrity: v.optional(Text)
		})
	}),
	Result
]);

/** True when `data` is a message of the Python protocol, every field in shape. */
export function isPythonMessage(data: unknown): data is PythonFromWorker {
	if (!v.is(Message, data)) return false;
	if (data.type !== 'result' || !data.ok) return true;
	return v.is(Values[data.call], data.value);
}
