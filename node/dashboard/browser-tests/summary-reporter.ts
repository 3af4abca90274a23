/** Prints the closing line `N passed, N failed` that scripts and people read. */
import type { FullResult, Reporter, TestCase, TestResult } from "@playwright/test/reporter";

export default class SummaryReporter implements Reporter {
  private passed = 0;
  private failed = 0;

  onTestEnd(_test: TestCase, result: TestResult) {
    if (result.status === "passed") this.passed++;
    else if (result.status !== "skipped") this.failed++;
  }

  onEnd(_result: FullResult) {
    console.log(`browser tests: ${this.passed} passed, ${this.failed} failed`);
  }
}
