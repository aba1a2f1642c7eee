import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { noTimePicker, proxysweepDashboard } from './base';
import { finalizeDashboard, type GeneratedDashboard } from './finalize';
import { amArms, amBySlope, amTable, gainBySlope, pairedGainTable, zeroGradientBySlope } from './results-am';
import { accuracyBySlope, accuracyMatrix, accuracyTable, cellCurve, meanCurve } from './results-training';
import { cellsVariable, datasetVariable, protocolVariable, sweepVariable } from './variables';

export const RESULTS_UID = 'proxysweep-results';

/**
 * What a sweep found: test accuracy per training arm and dataset; AM maxima, their paired gain and the start
 * gradient per trained net, AM arm and AM slope; learning curves.
 */
export function resultsDashboard(): GeneratedDashboard {
  const d = proxysweepDashboard(
    RESULTS_UID,
    'ProxySweep · Results',
    'ProxyGrad results of a sweep: test accuracy per training arm (relu, leaky, proxy) and dataset; activation ' +
      'maximization per AM arm and AM backward slope, with the paired gain over the reference slope and the ' +
      'start-point gradient sparsity; training curves over epochs.',
  )
    .time({ from: 'now-30d', to: 'now' })
    .timepicker(noTimePicker())
    .withVariable(sweepVariable())
    .withVariable(datasetVariable())
    .withVariable(protocolVariable())
    .withVariable(cellsVariable())
    .withRow(new RowBuilder('Training: test accuracy per training arm'))
    .withPanel(accuracyMatrix())
    .withPanel(accuracyBySlope())
    .withPanel(accuracyTable())
    .withRow(new RowBuilder('Activation maximization per AM arm'))
    .withPanel(amBySlope())
    .withPanel(gainBySlope())
    .withPanel(zeroGradientBySlope())
    .withPanel(amArms())
    .withPanel(amTable())
    .withPanel(pairedGainTable())
    .withRow(new RowBuilder('Training curves (x = epoch)'))
    .withPanel(cellCurve('Test accuracy per cell', 'test_accuracy', 'test accuracy', true))
    .withPanel(cellCurve('Training loss per cell', 'train_loss', 'train loss', false))
    .withPanel(cellCurve('Test loss per cell', 'test_loss', 'test loss', false))
    .withPanel(meanCurve());
  return finalizeDashboard(d.build());
}
