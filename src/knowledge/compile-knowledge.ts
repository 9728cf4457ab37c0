// `npm run build` runs this after tsc: the knowledge files, read and validated once, written as
// dist/knowledge/knowledge.json, from which every command starts (knowledge-base.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPILED_KNOWLEDGE, KnowledgeBase } from './knowledge-base.js';
import { readSources } from './knowledge-schema.js';

const dir = fileURLToPath(new URL('../../src/knowledge/', import.meta.url));
const sources = readSources(dir);
mkdirSync(dirname(COMPILED_KNOWLEDGE), { recursive: true });
writeFileSync(COMPILED_KNOWLEDGE, JSON.stringify(sources));
// The knowledge must also hang together (every code a runbook, every rule a code).
KnowledgeBase.load();
