import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  TimePickerBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';

/** Every proxysweep dashboard carries this tag: links find each other by it, and stale files are found by it. */
export const DASHBOARD_TAG = 'proxysweep';

/**
 * A dashboard with what all three share: the tag, links to the other two that carry the chosen sweep along,
 * UTC times (sweeps span machines and time zones), and a shared crosshair.
 */
export function proxysweepDashboard(uid: string, title: string, description: string): DashboardBuilder {
  return (
    new DashboardBuilder(title)
      .uid(uid)
      .description(description)
      .tags([DASHBOARD_TAG])
      .timezone('utc')
      .tooltip(DashboardCursorSync.Crosshair)
      // An explicit empty list: the SDK would emit `annotations: {}`, and Grafana adds its built-in one itself.
      .annotations([])
      .link(
        new DashboardLinkBuilder('ProxySweep dashboards')
          .type(DashboardLinkType.Dashboards)
          .tags([DASHBOARD_TAG])
          .asDropdown(false)
          .includeVars(true)
          .keepTime(true),
      )
  );
}

/** For dashboards that ignore the time range (results of a whole sweep): hide the picker, it would mislead. */
export const noTimePicker = () => new TimePickerBuilder().hidden(true);
