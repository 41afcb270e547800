import type { Analysis } from './analysis';

/**
 * Keeps an analyst's first answers ready (Analysis.prepare): once after the service starts, and again
 * a moment after each new core data version (an import, a boundary reload, a definition saved) — seen
 * by a request, or by a look at the version every `watchMs` (one small query), so the reading happens
 * while nobody waits rather than in the first request after it. One run at a time; a change during a
 * run asks for one more run after it. Failures are logged in one line and never stop the service.
 * `stop()` ends the watch and waits for a run in progress to reach its next step.
 */
export function prepareAhead(analysis: Analysis, log: (line: string) => void, delayMs = 1000, watchMs = 5000): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const run = async () => {
    try {
      const done = await analysis.prepare(() => stopped);
      if (!stopped && done.forces.length)
        log(`harmgrid: prepared the first answers of ${done.forces.join(', ')} (data version ${done.version}) in ${(done.ms / 1000).toFixed(1)} s`);
    } catch (err) {
      if (!stopped) log(`harmgrid: could not prepare the first answers ahead (${(err as Error).message}); they are read on the first request instead`);
    }
  };
  const start = () => {
    timer = null;
    if (stopped) return;
    if (current) {
      again = true;
      return;
    }
    current = run().finally(() => {
      current = null;
      if (again && !stopped) {
        again = false;
        schedule();
      }
    });
  };
  const schedule = () => {
    if (stopped || timer) return;
    timer = setTimeout(start, delayMs);
    timer.unref();
  };
  analysis.onNewVersion = schedule;
  // Reading the versions is what notices new data (and calls onNewVersion); errors are the next request's to report.
  const watch = setInterval(() => void analysis.versions().catch(() => {}), watchMs);
  watch.unref();
  schedule();
  return {
    async stop() {
      stopped = true;
      clearInterval(watch);
      if (timer) clearTimeout(timer);
      analysis.onNewVersion = null;
      await current;
    },
  };
}
