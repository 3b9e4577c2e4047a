import { getDotPath, safeParse } from 'valibot';
import type { BaseIssue } from 'valibot';
import type { AnyTool } from '$lib/tools/types';

export type ParsedArguments = { ok: true; value: unknown } | { ok: false; error: string };

/** JSON text → the tool's validated arguments, or an error written for the model to fix. */
export function parseArguments(tool: AnyTool, argumentsText: string): ParsedArguments {
	let raw: unknown;
	// Some models send nothing for a tool without parameters.
	const text = argumentsText.trim() === '' ? '{}' : argumentsText;
	try {
		raw = JSON.parse(text);
	} catch (e) {
		const detail = e instanceof Error ? e.message : 'not JSON';
		return { ok: false, error: `The arguments are not valid JSON (${detail}).` };
	}
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
		return { ok: false, error: 'The arguments must be a JSON object.' };
	}
	const result = safeParse(tool.schema, raw);
	if (result.success) return { ok: true, value: result.output };
	return { ok: false, error: describeIssues(result.issues) };
}

export function describeIssues(issues: readonly BaseIssue<unknown>[]): string {
	const lines = issues.slice(0, 5).map((issue) => {
		const path = getDotPath(issue);
		return path ? `${path}: ${issue.message}` : issue.message;
	});
	return `The arguments do not match the tool's parameters: ${lines.join('; ')}.`;
}

/** Arguments that are already data (a reviewed call the person edited) → validated, or why not. */
export function validateArguments(tool: AnyTool, value: unknown): ParsedArguments {
	const result = safeParse(tool.schema, value);
	if (result.success) return { ok: true, value: result.output };
	return { ok: false, error: describeIssues(result.issues) };
}
