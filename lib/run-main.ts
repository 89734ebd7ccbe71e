/**
 * Runs a script's `main` and exits with its code (0 when it returns nothing), or prints the error
 * and exits 1. The exit is explicit because a bench or scenario may leave handles open (a
 * connection's keep-alive, a child's pipes) that would keep Node running after the work is done.
 */
export function runMain(main: () => Promise<number | void>, options: { errorPrefix?: string } = {}): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (error: unknown) => {
      const text = error instanceof Error && error.stack ? error.stack : String(error);
      console.error(`${options.errorPrefix ?? ''}${text}`);
      process.exit(1);
    },
  );
}
