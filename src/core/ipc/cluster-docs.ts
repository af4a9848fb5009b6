/**
 * The cluster's documents as clients read them (`status`'s daemon part, `tm hosts`): types only,
 * part of the contract like every document in methods.ts.
 */
import type {PriorityDepth, QueueEntryDoc} from './queue-docs.js';

/** This daemon as a cluster member (docs/cluster.md). */
export type ClusterDoc = {
	name: string;
	/** `host:port/database` (never a password). */
	postgres: string;
	reachable: boolean;
	/** ISO-8601: since when PostgreSQL cannot be reached; null when it answers. */
	since: string | null;
	error: string | null;
	/** Cluster jobs this member holds now, and how many it may hold. */
	claims: number;
	capacity: number;
	/** Outcomes kept in memory until PostgreSQL can be written. */
	unsaved: number;
};

/** One member as `tm hosts` lists it. */
export type MemberDoc = {
	name: string;
	version: string;
	state: 'alive' | 'lost' | 'left';
	/** ISO-8601. */
	lastSeen: string;
	slotsUsed: number;
	capacity: number;
	claims: number;
	pid: number;
};

/** One waiting cluster job in `tm queue --cluster`: the local queue's entry (`eligibleAt`: when it may be claimed; `queuedAt`: when it was submitted), and the member it is pinned to (`--on`). */
export type ClusterQueueEntryDoc = Omit<QueueEntryDoc, 'cause'> & {
	pin: string | null;
	cause: 'capacity' | 'dependency' | 'submitted';
};

/** `tm queue --cluster`: the cluster's waiting jobs in the order members would claim them, the depth by priority, and the alive members' slots. */
export type ClusterQueueDoc = {
	tasks: ClusterQueueEntryDoc[];
	depth: PriorityDepth;
	slots: {members: number; total: number; used: number};
};
