import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseDocument } from 'yaml';
import { SpecError, UserError } from '../errors';
import { listDatasets } from '../engine/catalog';
import { expandAmArms } from './am-arms';
import { sweepSpecSchema, type SweepSpec } from './schema';
import { canonicalJson, expandGrid, sha256 } from './grid';
import { formatIssue } from './issues';
import { SpecProblems } from './problems';

/**
 * Reads and validates a sweep spec file (YAML or JSON). Throws one SpecError listing every problem, one line each;
 * never writes anything.
 */
export function loadSpecFile(path: string): SweepSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot read spec ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(err))}; see examples/ for specs`,
    );
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const at = e.linePos?.[0] ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    throw new SpecError(
      `${path}: not valid YAML/JSON${at}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
    );
  }
  const defaultName =
    basename(path, extname(path))
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+/, '')
      .slice(0, 40) || 'sweep';
  return validateSpec(doc.toJS(), defaultName);
}

/** Validates a parsed spec object; see {@link loadSpecFile}. */
export function validateSpec(raw: unknown, defaultName = 'sweep'): SweepSpec {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new SpecError('spec must be a mapping with at least a `grid`');
  const r = sweepSpecSchema.safeParse(raw);
  if (!r.success) {
    const problems = new SpecProblems();
    for (const issue of r.error.issues) {
      problems.add(issue.path.join('.'), `invalid spec: ${formatIssue(issue.path, issue, raw)}`);
    }
    problems.throwIfAny();
  }
  const spec = r.data!;
  const problems = new SpecProblems();
  const units = spec.am?.units;
  if (Array.isArray(units) && new Set(units).size !== units.length) {
    problems.add('am.units', 'invalid spec: am.units lists a unit twice');
  }
  const amArms = (spec.am && problems.collect(() => expandAmArms(spec.am!))) || [];
  const datasets = listDatasets();
  const cells =
    problems.collect(() =>
      expandGrid(
        spec,
        datasets.map((d) => d.name),
      ),
    ) ?? [];
  if (Array.isArray(units)) {
    const maxUnit = Math.max(...units);
    for (const name of new Set(cells.map((c) => c.params.dataset))) {
      const classes = datasets.find((d) => d.name === name)!.classes;
      if (maxUnit >= classes) {
        problems.add(
          'am.units',
          `invalid spec: am.units: unit ${maxUnit} does not exist in dataset ${name} (${classes} classes, units 0..${classes - 1})`,
        );
      }
    }
  }
  problems.throwIfAny();
  const specHash = sha256(canonicalJson({ base: spec.base, grid: spec.grid, am: spec.am ?? null }));
  const name = spec.name ?? defaultName;
  return {
    name,
    description: spec.description,
    spec,
    specHash,
    sweepId: `${name}-${specHash.slice(0, 8)}`,
    cells,
    amArms,
  };
}
