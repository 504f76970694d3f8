import { describe, expect, it } from 'vitest';
import type { ServerIR } from '../../compiler/analyze/ir.js';
import { renderDiagram } from '../../compiler/graph/diagram.js';

describe('renderDiagram', () => {
  it('draws a writes edge for a tool whose IR lists the resources it writes', () => {
    // An insert tool lists the resource it writes in `writes`.
    const ir = {
      name: 's',
      resources: [{ name: 'events', table: 'events' }],
      tools: [{ name: 'log', kind: 'insert', reads: [], writes: ['events'] }],
      pipelines: [],
    } as unknown as ServerIR;
    expect(renderDiagram(ir, 'mermaid')).toContain('  tool_log -->|"writes"| resource_events\n');
    expect(renderDiagram(ir, 'dot')).toContain('  "tool_log" -> "resource_events" [label="writes"];\n');
  });
});
