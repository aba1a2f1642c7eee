/** PostgreSQL access: pool, migrations and one repository module per table. */
export * from './pool';
export * from './migrations';
export * from './sweeps';
export * from './cells';
export * from './epoch-metrics';
export * from './am-results';
export * from './checkpoints';
export * from './workers';
export * from './gc';
