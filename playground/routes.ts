import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ModelCard } from '../training/model-card.js';
import { playgroundPage } from './page.js';

/** What the playground needs from the server: the model it serves right now. */
export interface PlaygroundModelSource {
  current(): { name: string; version: string | null; card: ModelCard; onnx: Uint8Array };
}

// Only these files of onnxruntime-web are served: the ESM entry and the WASM runtime it loads.
// A Map, not an object literal: a name from the URL such as "__proto__" or "constructor" must not find an inherited entry.
const ORT_FILES = new Map<string, string>([
  ['ort.wasm.min.mjs', 'text/javascript'],
  ['ort-wasm-simd-threaded.mjs', 'text/javascript'],
  ['ort-wasm-simd-threaded.wasm', 'application/wasm'],
]);

// The package's main entry lives in its dist/ folder, next to the WASM files.
const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));

/** GET /playground, /playground/model.onnx and /playground/ort/<file>. */
export async function registerPlayground(app: FastifyInstance, source: PlaygroundModelSource, basePath = '/playground'): Promise<void> {
  const assets = new Map<string, Buffer>();
  app.get(basePath, async (_req, reply) => {
    const m = source.current();
    return reply.type('text/html; charset=utf-8').send(playgroundPage({ name: m.name, version: m.version, card: m.card, basePath }));
  });
  app.get(`${basePath}/model.onnx`, async (_req, reply) => {
    const m = source.current();
    reply.header('x-model-version', m.version ?? '');
    return reply.type('application/octet-stream').send(Buffer.from(m.onnx));
  });
  app.get<{ Params: { file: string } }>(`${basePath}/ort/:file`, async (req, reply) => {
    const type = ORT_FILES.get(req.params.file);
    if (!type) return reply.code(404).send({ error: `no playground asset ${JSON.stringify(req.params.file)}` });
    let bytes = assets.get(req.params.file);
    if (!bytes) {
      bytes = await readFile(join(ortDist, req.params.file));
      assets.set(req.params.file, bytes);
    }
    return reply.type(type).header('cache-control', 'public, max-age=86400').send(bytes);
  });
}
