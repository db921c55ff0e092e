/** Exit codes a script can rely on. */
export const EXIT_OK = 0;
/** Some objects failed; the run itself completed. */
export const EXIT_PARTIAL = 1;
/** Usage, configuration or access errors: nothing was done. */
export const EXIT_USAGE = 2;
