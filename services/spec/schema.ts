import { z } from 'zod';
import { parseDuration } from './duration';

export const AM_OPTIMIZERS = ['ascent', 'momentum', 'adam'] as const;

/** Default checkpoint cadence of a training cell: at most one checkpoint write per 5 minutes of training. */
export const DEFAULT_CHECKPOINT_EVERY_MS = 5 * 60_000;
export type AmOptimizer = (typeof AM_OPTIMIZERS)[number];

/** A duration: seconds as a number, or a string like "30s", "5m", "2h". Parsed to milliseconds. */
const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a positive duration like "30s", "5m" or "2h" (got ${JSON.stringify(v)})`,
    });
    return z.NEVER;
  }
  return ms;
});

const finite = () => z.number().refine(Number.isFinite, 'must be a finite number');

/** Every hyperparameter a cell can have. Each may be set in `base` or swept in `grid`. */
export const cellParamShape = {
  dataset: z.string().min(1),
  arch: z.enum(['small-cnn', 'vgg', 'resnet']),
  activation: z.enum(['relu', 'leaky', 'proxy']),
  forwardSlope: finite(),
  backwardSlope: finite(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  epochs: z.number().int().min(1).max(100_000),
  batchSize: z.number().int().min(1).max(65_536),
  learningRate: z.number().positive().refine(Number.isFinite, 'must be finite'),
  optimizer: z.enum(['adam', 'sgd']),
  momentum: z.number().min(0).max(1),
  schedule: z.enum(['constant', 'cosine']),
  augment: z.object({ flip: z.boolean().default(false), crop: z.number().int().min(0).max(16).default(0) }).strict(),
  archOptions: z.record(z.string(), z.union([z.number(), z.boolean()])),
  trainLimit: z.number().int().min(1),
  testLimit: z.number().int().min(1),
};

export type CellParamKey = keyof typeof cellParamShape;
export const CELL_PARAM_KEYS = Object.keys(cellParamShape) as CellParamKey[];

const baseSchema = z.object(cellParamShape).partial().strict();

/** Defaults for anything neither `base` nor `grid` sets. */
export const CELL_DEFAULTS = {
  dataset: 'digits',
  arch: 'small-cnn',
  seed: 0,
  epochs: 1,
  batchSize: 64,
  learningRate: 0.001,
  optimizer: 'adam',
  schedule: 'constant',
  augment: { flip: false, crop: 0 },
  archOptions: {},
} as const;

// Grid keys are cell parameters, or `archOptions.<name>` to sweep one architecture option.
const gridKey = z
  .string()
  .refine((k) => (CELL_PARAM_KEYS as string[]).includes(k) || /^archOptions\.[A-Za-z]\w*$/.test(k), {
    message: `must be a cell parameter (${CELL_PARAM_KEYS.join(', ')}) or archOptions.<name>`,
  });

/** One value, or a list of values that each become an AM arm (lists over several fields multiply). */
const oneOrList = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).min(1, 'must list at least one value')]);

/**
 * How AM is run: the experiment's protocol, not a run setting. Every listed field is an axis; their product is
 * the set of AM arms, each run on every trained cell for every backward slope. Defaults are the paper's update
 * x ← clip(x + lr·∇f) from zeros.
 */
export const amSchema = z
  .object({
    /** AM backward slopes to try on every trained cell (per arm). */
    backwardSlopes: z.array(finite().min(0)).min(1),
    /** Class logits to maximize: "all" or a list of indices. */
    units: z.union([z.literal('all'), z.array(z.number().int().min(0)).min(1)]).default('all'),
    /** ascent: x ← clip(x + lr·g) (the paper's); momentum: heavy-ball ascent; adam: Adam on the input. */
    optimizer: oneOrList(z.enum(AM_OPTIMIZERS)).default('ascent'),
    /** Step size; default per optimizer (ascent 0.1, momentum 0.01, adam 0.05). */
    learningRate: oneOrList(z.number().positive().refine(Number.isFinite, 'must be finite')).optional(),
    steps: oneOrList(z.number().int().min(1).max(100_000)).default(200),
    /** none: the raw gradient; l2: the gradient divided by its per-image L2 norm. */
    normalize: oneOrList(z.enum(['none', 'l2'])).default('none'),
    /** zeros, or uniform noise over `initScale` × the input range around its centre. */
    init: oneOrList(z.enum(['zeros', 'uniform'])).default('zeros'),
    initScale: oneOrList(z.number().positive().max(1)).default(1),
    /** Momentum coefficient of the `momentum` optimizer. */
    momentum: oneOrList(z.number().min(0).max(0.999)).default(0.9),
    /** Random roll of the image by up to this many pixels each step (seeded), 0 for none. */
    jitter: oneOrList(z.number().int().min(0).max(64)).default(0),
    /** Gaussian blur of the image every this many steps, 0 for never. */
    blurEvery: oneOrList(z.number().int().min(0).max(100_000)).default(0),
    /** Standard deviation of that blur in pixels. */
    blurSigma: oneOrList(z.number().positive().max(8)).default(0.5),
  })
  .strict();

const executionSchema = z
  .object({
    maxParallel: z.number().int().min(1).max(1000).default(2),
    taskQueue: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ".", "_" or "-"')
      .default('proxysweep'),
    retries: z
      .object({
        maximumAttempts: z.number().int().min(1).max(100).default(3),
        initialInterval: duration.default(5_000),
        backoffCoefficient: z.number().min(1).default(2),
        maximumInterval: duration.default(300_000),
      })
      .strict()
      .default({ maximumAttempts: 3, initialInterval: 5_000, backoffCoefficient: 2, maximumInterval: 300_000 }),
    timeouts: z
      .object({
        train: duration.default(12 * 3_600_000),
        am: duration.default(3_600_000),
        heartbeat: duration.default(120_000),
      })
      .strict()
      .default({ train: 12 * 3_600_000, am: 3_600_000, heartbeat: 120_000 }),
    /**
     * How often a training cell saves its checkpoint: at the end of an epoch once this much time has passed since
     * the last one, inside a long epoch when it has, and always after the last epoch and at shutdown. 0: after
     * every epoch. A retry loses at most this much training.
     */
    checkpointEvery: z.union([z.literal(0), duration]).default(DEFAULT_CHECKPOINT_EVERY_MS),
    /** Keep each cell's final checkpoint after it succeeded (to run more AM on it later); else it is deleted. */
    keepCheckpoints: z.boolean().default(false),
  })
  .strict();

export const sweepSpecSchema = z
  .object({
    name: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9-]{0,39}$/,
        'must be 1-40 lowercase letters, digits or "-", starting with a letter or digit',
      )
      .optional(),
    description: z.string().optional(),
    base: baseSchema.default({}),
    grid: z.record(gridKey, z.array(z.unknown()).min(1, 'must list at least one value')),
    am: amSchema.optional(),
    execution: executionSchema.default(executionSchema.parse({})),
  })
  .strict();

export type SweepSpecInput = z.input<typeof sweepSpecSchema>;
export type ParsedSpec = z.output<typeof sweepSpecSchema>;
export type AmSpec = z.output<typeof amSchema>;

/** Every AM field that can be a list (an arm axis). */
export type AmArmField = Exclude<keyof AmSpec, 'backwardSlopes' | 'units'>;
export type ExecutionSpec = z.output<typeof executionSchema>;

/** The resolved hyperparameters of one grid point. */
export interface CellParams {
  dataset: string;
  arch: 'small-cnn' | 'vgg' | 'resnet';
  activation: 'relu' | 'leaky' | 'proxy';
  forwardSlope: number;
  backwardSlope: number;
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: 'adam' | 'sgd';
  momentum?: number;
  schedule: 'constant' | 'cosine';
  augment: { flip: boolean; crop: number };
  archOptions: Record<string, number | boolean>;
  trainLimit?: number;
  testLimit?: number;
}

/** A validated sweep: its identity (name, id) and every cell, ready to be written. */
export interface SweepSpec {
  name: string;
  description?: string;
  /** The spec as validated, with defaults filled in (stored in the database). */
  spec: ParsedSpec;
  /** sha256 over what is computed (base, grid, am), not how it runs. */
  specHash: string;
  /** `<name>-<first 8 hex of specHash>`. */
  sweepId: string;
  cells: { key: string; idx: number; params: CellParams }[];
  /** The AM arms run on every trained cell (empty without an `am` block). */
  amArms: AmArm[];
}

/**
 * One AM arm: everything that decides how the input is optimized. Fields that do not apply are left out
 * (initScale without uniform init, momentum without the momentum optimizer, blurSigma without blur), so they
 * never split one protocol into two.
 */
export interface AmProtocol {
  optimizer: AmOptimizer;
  learningRate: number;
  steps: number;
  normalize: 'none' | 'l2';
  init: 'zeros' | 'uniform';
  initScale?: number;
  momentum?: number;
  jitter: number;
  blurEvery: number;
  blurSigma?: number;
}

/** An AM arm with its key: a complete, readable description of the protocol, stored with every AM row. */
export interface AmArm {
  key: string;
  protocol: AmProtocol;
}
