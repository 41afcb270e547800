import type { BuildRequest, BuildResult, CellStats, TopCell, WorkerRequest } from './cellsProtocol';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Omitted<T> = T extends unknown ? Omit<T, 'id'> : never;

/** The one cells worker of the page, with a promise per request. */
class CellsWorker {
  private readonly worker = new Worker(new URL('./cells.worker.ts', import.meta.url), { type: 'module' });
  private readonly pending = new Map<number, Pending>();
  private next = 0;

  constructor() {
    this.worker.onmessage = (e: MessageEvent<{ id: number; ok: boolean; result?: unknown; error?: string }>) => {
      const p = this.pending.get(e.data.id);
      this.pending.delete(e.data.id);
      if (e.data.ok) p?.resolve(e.data.result);
      else p?.reject(new Error(e.data.error));
    };
  }

  private send<T>(req: Omitted<WorkerRequest>, transfer: Transferable[] = []): Promise<T> {
    const id = ++this.next;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  build(req: Omit<BuildRequest, 'op' | 'id'>): Promise<BuildResult> {
    return this.send({ ...req, op: 'build' }, req.buffer ? [req.buffer] : []);
  }
  top(bounds: [number, number, number, number], byCount: boolean, limit = 10): Promise<TopCell[]> {
    return this.send({ op: 'top', bounds, byCount, limit });
  }
  stats(cell: string): Promise<CellStats> {
    return this.send({ op: 'stats', cell });
  }
  revoke(url: string): void {
    void this.send({ op: 'revoke', url });
  }
}

let instance: CellsWorker | null = null;
export const cellsWorker = (): CellsWorker => (instance ??= new CellsWorker());
