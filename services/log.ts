import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Structured logs on stderr (stdout is for command output and --json documents). Level from
 * PROXYSWEEP_LOG_LEVEL, default `info` for long-running processes and `warn` for one-shot commands.
 */
export function createLogger(name: string, defaultLevel: pino.Level = 'info'): Logger {
  return pino(
    {
      name,
      level: process.env.PROXYSWEEP_LOG_LEVEL ?? defaultLevel,
      base: { pid: process.pid },
      // Connection strings can carry passwords: never log them, whatever a caller passes.
      redact: {
        paths: ['databaseUrl', '*.databaseUrl', 'password', '*.password', 'apiKey', '*.apiKey'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
