import type { Analysis } from './analysis';

/**
 * Keeps an analyst's first answers ready (Analysis.prepare): once after the service starts, and again
 * a moment after each new data version is seen (an import, a boundary reload, an edit), so the read
 * happens while nobody waits rather than in the first request after it. One run at a time; a change
 * during a run asks for one more run after it. Failures are logged in one line and never stop the service.
 */
export function prepareAhead(analysis: Analysis, log: (line: string) => void, delayMs = 1000): { stop(): void } {
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let again = false;
  let stopped = false;
  const run = async () => {
    timer = null;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      const done = await analysis.prepare();
      if (!stopped && done.forces.length)
        log(`harmgrid: prepared the first answers of ${done.forces.join(', ')} (data version ${done.version}) in ${(done.ms / 1000).toFixed(1)} s`);
    } catch (err) {
      if (!stopped) log(`harmgrid: could not prepare the first answers ahead (${(err as Error).message}); they are read on the first request instead`);
    } finally {
      running = false;
      if (again && !stopped) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    if (stopped || timer) return;
    timer = setTimeout(run, delayMs);
    timer.unref();
  };
  analysis.onNewVersion = schedule;
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      analysis.onNewVersion = null;
    },
  };
}
