/** How the training arm of a cell reads in tables: `relu`, `leaky 0.1`, `proxy 0→0.3` (forward→backward). */
export function trainingArmLabel(c: { activation: string; forwardSlope: number; backwardSlope: number }): string {
  if (c.activation === 'relu') return 'relu';
  if (c.activation === 'leaky') return `leaky ${c.backwardSlope}`;
  return `${c.activation} ${c.forwardSlope}→${c.backwardSlope}`;
}
