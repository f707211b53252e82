// Lint rules that keep the dependency arrows one way:
//   renderer → engine/contract ← preload ← main → engine
// Do not relax these rules: a renderer that reaches into the engine, or an engine that reaches
// into Electron, breaks the promise that the trip path runs headless and the UI cannot stall it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'bench-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })] },
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-restricted-paths': ['error', {
        zones: [
          { target: './engine', from: ['./main', './preload', './renderer'], message: 'engine runs headless: it never imports main, preload or renderer' },
          { target: './engine/contract', from: './engine', except: ['./contract'], message: 'engine/contract is the common layer: it imports only zod' },
          { target: './renderer', from: './engine', except: ['./contract'], message: 'renderer imports nothing of engine but engine/contract' },
          { target: './renderer', from: ['./main', './preload'], message: 'renderer talks to main only through window.vigil' },
          { target: './preload', from: './engine', except: ['./contract'], message: 'preload imports nothing of engine but engine/contract' },
          { target: './preload', from: ['./main', './renderer'] },
          { target: './main', from: './renderer' },
        ],
      }],
      'no-restricted-imports': ['error', { paths: [] }],
    },
  },
  {
    files: ['engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [
        { name: 'electron', message: 'engine/ runs under plain Node: no Electron import' },
      ] }],
    },
  },
  {
    files: ['engine/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!zod$)[^.]', message: 'engine/contract imports nothing but zod' }] }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}', 'preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^node:', message: 'no Node built-ins in the renderer or preload' }] }],
    },
  },
  {
    files: ['bin/**/*.mjs', 'scripts/**/*.mjs', '.ci/**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', setTimeout: 'readonly', URL: 'readonly' } },
  },
);
