/**
 * Whether the map shows what the view asks for: each layer that fetches says which request it wants
 * (synchronously, when the view changes) and which one it has drawn. window.__harmgridReady is true
 * only when every wanted request is drawn, so a test or a benchmark never reads a map that is still
 * showing the previous view.
 */
const wanted = new Map<string, string | null>();
const drawn = new Map<string, string | null>();
/** Set false from outside (a test) to wait for the next drawing, whatever it is. */
let held = false;

function publish(): void {
  let ready = !held;
  for (const [layer, key] of wanted) if (key !== null && drawn.get(layer) !== key) ready = false;
  Object.defineProperty(window, '__harmgridReady', {
    configurable: true,
    get: () => ready,
    set: (v: boolean) => {
      held = !v;
      publish();
    },
  });
}

export const readiness = {
  want(layer: string, key: string | null): void {
    wanted.set(layer, key);
    publish();
  },
  drawn(layer: string, key: string): void {
    drawn.set(layer, key);
    held = false;
    publish();
  },
  /** The map has opened: from now on readiness follows the layers alone. */
  start(): void {
    held = false;
    publish();
  },
};

declare global {
  interface Window {
    __harmgridReady?: boolean;
  }
}
// Nothing is ready before the first layer says what it wants.
held = true;
publish();
