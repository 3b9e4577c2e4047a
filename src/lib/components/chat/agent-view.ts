import type { PlanActions } from '$lib/components/agent/file-plan-view';
import type { Message } from '$lib/types/chat';
import type { StoredImage } from '$lib/types/agent-data';
import type { ToolDecision } from '$lib/types/tools';

/** What a message needs to show its agent, tool cards and revision, and to act on them. */
export interface AgentView {
	/** The tool's human title ("Web search"); the raw name for a tool this version lacks. */
	toolTitle(name: string): string;
	agents: { id: string; name: string; description: string }[];
	/** The id of the answer being critiqued and revised right now. */
	reviewing: string | null;
	/** Yes or no on a card; a plan's card answers with its edited call. */
	answerCall(callId: string, answer: ToolDecision): void;
	/** Undo for applied plans of file changes. */
	plans?: PlanActions;
	cancelCall(callId: string): void;
	/** Re-ask `message` with an agent (kept for the conversation); null = automatic again. */
	override(message: Message, agentId: string | null): void;
	/** A citation in an answer was followed. */
	cite(url: string): void;
	/** Opens the memory screen. */
	openMemory(): void;
	/** The stored images a message refers to (missing ones are left out). */
	loadImages(ids: string[]): Promise<StoredImage[]>;
}
