/**
 * Dependency cycles among programs.
 */

/**
 * The cycles of a dependency graph (program → the programs it depends on), each once, as a path
 * that ends where it starts (`['a', 'b', 'c', 'a']`), starting at the first program reached in
 * the graph's order. Edges to names not in the graph are ignored.
 */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
	const done = new Set<string>();
	const stack: string[] = [];
	const onStack = new Set<string>();
	const seen = new Set<string>();
	const cycles: string[][] = [];

	const visit = (node: string): void => {
		stack.push(node);
		onStack.add(node);
		for (const next of graph.get(node) ?? []) {
			if (onStack.has(next)) {
				const cycle = [...stack.slice(stack.indexOf(next)), next];
				const members = cycle.slice(0, -1);
				const start = members.indexOf([...members].sort()[0]!);
				const key = [...members.slice(start), ...members.slice(0, start)].join('\0');
				if (!seen.has(key)) {
					seen.add(key);
					cycles.push(cycle);
				}
			} else if (!done.has(next) && graph.has(next)) {
				visit(next);
			}
		}

		stack.pop();
		onStack.delete(node);
		done.add(node);
	};

	for (const node of graph.keys()) {
		if (!done.has(node)) {
			visit(node);
		}
	}

	return cycles;
}

/** A cycle as text: `a → b → c → a`. */
export function formatCycle(cycle: readonly string[]): string {
	return cycle.join(' → ');
}
