/** The readable summary of a schema check, for people (CI systems read `--json`). */
import type { SchemaCheckReport } from './check-schema.js';

const pad = (text: string, width: number) => text.padEnd(width);

/** The report as text: composition errors, changes with the operations using them, broken operations, warnings, verdict. */
export function formatReport(report: SchemaCheckReport, title: string): string {
  const lines = [title, ''];
  const { composition, changes, operations } = report;
  if (!composition.ok) {
    lines.push(`Composition: FAILED (${composition.errors.length} error${composition.errors.length === 1 ? '' : 's'})`);
    for (const error of composition.errors) {
      lines.push(`  ${error.code}: ${error.message}`);
      if (error.locations.length > 0) lines.push(`    at ${error.locations.map((l) => `${l.origin}:${l.line}:${l.column}`).join(', ')}`);
    }
  } else {
    lines.push('Composition: OK');
    const count = (level: string) => changes.filter((c) => c.level === level).length;
    lines.push('', `API schema changes: ${changes.length} (${count('breaking')} breaking, ${count('dangerous')} dangerous, ${count('safe')} safe)`);
    for (const change of changes) {
      const used = change.usedBy.length > 0 ? `  [used by ${change.usedBy.join(', ')}]` : '';
      lines.push(`  ${pad(change.level.toUpperCase(), 10)} ${pad(change.type, 24)} ${change.message}${used}`);
    }
    lines.push('', `Operation checks: ${operations.checked} operation${operations.checked === 1 ? '' : 's'}, ${operations.broken.length} broken`);
    for (const broken of operations.broken) {
      lines.push(`  ✖ ${broken.operation} (${broken.origins.join(', ')})`);
      for (const error of broken.errors) lines.push(`      ${error}`);
      for (const change of broken.breakingChanges) lines.push(`      uses ${change.path}: ${change.message}`);
    }
  }
  if (report.warnings.length > 0) lines.push('', 'Warnings:', ...report.warnings.map((w) => `  ! ${w}`));
  if (report.plannerWarnings.length > 0) {
    lines.push('', `Query planner warnings: ${report.plannerWarnings.length} (patterns the gateway's query planner plans wrongly; they do not fail the check)`);
    for (const warning of report.plannerWarnings) lines.push(`  ! ${warning.pattern} (${warning.coordinates.join(', ')}): ${warning.message}`);
  }
  if (report.notices.length > 0) lines.push('', 'Notices:', ...report.notices.map((n) => `  - ${n}`));
  lines.push('', `Result: ${report.ok ? 'PASS' : 'FAIL'}${verdictReason(report)}`);
  return lines.join('\n');
}

function verdictReason(report: SchemaCheckReport): string {
  if (!report.composition.ok) return ' (the subgraphs do not compose)';
  const broken = report.operations.broken.length;
  if (broken > 0) return ` (${broken} operation${broken === 1 ? '' : 's'} the mini-program sends would break)`;
  return report.warnings.length + report.plannerWarnings.length > 0 ? ' (with warnings)' : '';
}
