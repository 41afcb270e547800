// The entry of ReaderPool's worker thread (readerPool.ts): plain JavaScript, so that it starts under any
// runner (tsx, vitest), then the TypeScript worker through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('./readerWorker.ts');
