import type { Reporter, TestModule } from 'vitest/node';

/**
 * Lists every skipped test by its full name (the suites put the reason in it, e.g. "SKIPPED: shared
 * data not found …"), then prints one plain closing line, "N passed, N failed, N skipped", so CI and
 * anyone reading a log see what did not run and why, and the counts in a runner-neutral form.
 */
export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedNames: string[] = [];
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else {
          skipped++;
          skippedNames.push(t.fullName);
        }
      }
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
    }
    for (const name of skippedNames) console.log(`skipped: ${name}`);
    console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  }
}
