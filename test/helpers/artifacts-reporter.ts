// A vitest reporter that keeps the tests' own console output and the
// messages of failed tests (what a CI log shows) in the run's artifacts
// folder, so the secrets scan reads them too.
import { appendFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { UserConsoleLog } from 'vitest';
import type { Reporter, TestCase } from 'vitest/node';
import { REPO_ROOT, RUN_ENV } from './artifacts-run.js';

export const CONSOLE_LOG = 'vitest-console.log';

export default class ArtifactsReporter implements Reporter {
  private write(text: string): void {
    const run = process.env[RUN_ENV];
    if (run) appendFileSync(join(run, CONSOLE_LOG), text.endsWith('\n') ? text : `${text}\n`);
  }

  onUserConsoleLog(log: UserConsoleLog): void {
    this.write(`[${log.type}${log.taskId ? ` ${log.taskId}` : ''}] ${log.content}`);
  }

  onTestCaseResult(testCase: TestCase): void {
    const result = testCase.result();
    if (result.state !== 'failed') return;
    const where = `${relative(REPO_ROOT, testCase.module.moduleId)} > ${testCase.fullName}`;
    for (const err of result.errors ?? []) this.write(`[failed ${where}] ${err.message}\n${err.stack ?? ''}`);
  }
}
